package dev.ragcanary.cli;

import dev.ragcanary.core.bucket.StickyBucket;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bucket", description = "Print a sticky key's bucket and its variant at every stage of the default ladder.")
final class BucketCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "KEY", description = "sticky key (tenant or user id)")
    String key;

    @Option(names = "--salt", required = true, paramLabel = "SALT", description = "rollout salt (the rollout id)")
    String salt;

    @Override
    public Integer call() {
        int bucket = StickyBucket.bucket(salt, key);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("key %s, salt %s: bucket %d of %d%n", key, salt, bucket, StageLadder.BUCKETS);
        for (Stage stage : StageLadder.DEFAULT) {
            out.printf("  %-10s weight %6.2f%%  threshold %5d  -> %s%n", stage.name(), stage.weight() * 100,
                    stage.bucketThreshold(), StickyBucket.isCanary(bucket, stage.weight()) ? "canary" : "control");
        }
        return CanaryCli.EXIT_OK;
    }
}
