package dev.ragcanary.testsupport;

import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Starts one {@link Dynalite} per test class and stops it after the class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> d.createRolloutsTable("rollouts"));
 * ... DYNAMO.client() ...
 * }</pre>
 *
 * Tests share the process within the class, so give each test its own keys (or tables) when isolation matters.
 */
public final class DynaliteExtension implements BeforeAllCallback, AfterAllCallback {
    private final Consumer<Dynalite> setUp;
    private Dynalite dynalite;

    /** @param setUp creates the tables the tests need, run once after dynalite answers */
    public DynaliteExtension(Consumer<Dynalite> setUp) {
        this.setUp = setUp;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        dynalite = Dynalite.start();
        setUp.accept(dynalite);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (dynalite != null) {
            dynalite.close();
        }
    }

    public Dynalite dynalite() {
        if (dynalite == null) {
            throw new IllegalStateException("dynalite is not running: register the extension on a static field");
        }
        return dynalite;
    }

    public DynamoDbClient client() {
        return dynalite().client();
    }
}
