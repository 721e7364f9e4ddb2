package dev.ragcanary.infra;

import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/** The rag-canary controller: tables, functions, state machines, dashboard (filled in by the infrastructure issue). */
public class ControllerStack extends Stack {
    public ControllerStack(Construct scope, String id) {
        this(scope, id, null);
    }

    public ControllerStack(Construct scope, String id, StackProps props) {
        super(scope, id, props);
    }
}
