package dev.ragcanary.cli.ops;

/** Links into the AWS console for what the operator commands print. */
final class Consoles {
    private Consoles() {
    }

    /** The Step Functions console page of an execution (the graph with the current state). */
    static String execution(String executionArn) {
        String region = executionArn.split(":")[3];
        return "https://" + region + ".console.aws.amazon.com/states/home?region=" + region
                + "#/v2/executions/details/" + executionArn;
    }
}
