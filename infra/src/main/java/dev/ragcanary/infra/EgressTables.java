package dev.ragcanary.infra;

import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.constructs.Construct;

/**
 * The egress library's two tables (functions/egress): the canary sink, where shadow requests' emissions land (the
 * gate reads them by function version through {@value #SINK_INDEX}), and the claims table, which keeps a partner from
 * getting a dedupe key twice. The RAG function is the team's, not this stack's: the table names are outputs and
 * {@code EgressWriterPolicy} is a managed policy the team attaches to its function's role.
 */
public class EgressTables extends Construct {
    /** Sink index: partition key {@code functionVersion} ("function:version"), sort key {@code emittedAt} (ms). */
    public static final String SINK_INDEX = "byFunctionVersion";
    static final String KEY = "dedupeKey";
    static final String TTL = "expiresAt";

    private final Table sink;
    private final Table claims;
    private final ManagedPolicy writerPolicy;

    /** @param table builds a table of the stack's kind (billing, recovery, protection) with a string partition key */
    public EgressTables(Construct scope, String id, String tablePrefix, TableFactory table) {
        super(scope, id);
        sink = table.create(this, "Sink", sinkTableName(tablePrefix), KEY, TTL);
        sink.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(SINK_INDEX)
                .partitionKey(Attribute.builder().name("functionVersion").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("emittedAt").type(AttributeType.NUMBER).build())
                .projectionType(ProjectionType.ALL)
                .build());
        claims = table.create(this, "Claims", tablePrefix + "-egress-claims", KEY, TTL);
        writerPolicy = ManagedPolicy.Builder.create(this, "WriterPolicy")
                .description("Attach to a RAG function's role to use the egress library (functions/egress)")
                .statements(List.of(
                        PolicyStatement.Builder.create().sid("ClaimDedupeKeys")
                                .actions(List.of("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"))
                                .resources(List.of(claims.getTableArn())).build(),
                        PolicyStatement.Builder.create().sid("WriteShadowEmissions")
                                .actions(List.of("dynamodb:PutItem"))
                                .resources(List.of(sink.getTableArn())).build()))
                .build();
        output("EgressSinkTableName", "EGRESS_SINK_TABLE for the RAG function", sink.getTableName());
        output("EgressSinkTableArn", "the canary sink", sink.getTableArn());
        output("EgressClaimsTableName", "EGRESS_CLAIMS_TABLE for the RAG function", claims.getTableName());
        output("EgressClaimsTableArn", "the egress claims table", claims.getTableArn());
        output("EgressWriterPolicyArn", "managed policy to attach to the RAG function's role",
                writerPolicy.getManagedPolicyArn());
    }

    /** The sink's name, the same in every region the stack is deployed to. */
    static String sinkTableName(String tablePrefix) {
        return tablePrefix + "-egress-sink";
    }

    /** How the stack makes its tables, so these are made the same way as the others. */
    @FunctionalInterface
    public interface TableFactory {
        Table create(Construct scope, String id, String name, String partitionKey, String ttlAttribute);
    }

    private void output(String id, String description, String value) {
        CfnOutput.Builder.create(Stack.of(this), id).description(description).value(value).build();
    }

    public Table sink() {
        return sink;
    }

    public Table claims() {
        return claims;
    }
}
