package dev.ragcanary.infra;

import software.amazon.awscdk.App;

/** CDK entry point ({@code cdk synth} / {@code cdk deploy} from infra/). */
public final class ControllerApp {
    private ControllerApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        new ControllerStack(app, "RagCanaryController");
        app.synth();
    }
}
