package dev.ragcanary.cli.rehearse;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes a rehearsal's partial report when the JVM is stopped while it runs (SIGTERM, or SIGINT from Ctrl-C): the JVM
 * then runs its shutdown hooks but no finally block of the running rehearsal, so without this the report folder would
 * keep nothing of the run. Exactly one report is written: the rehearsal's own, or the partial one; a signal while the
 * rehearsal writes its own waits for that write to end, so the JVM does not stop halfway through it.
 */
final class ReportOnInterrupt implements AutoCloseable {
    /** The partial report reads only what the rehearsal holds in memory; a writer stuck longer must not hold the exit. */
    private static final long WRITE_LIMIT_MILLIS = 5_000;

    private final AtomicBoolean reportClaimed = new AtomicBoolean();
    private final CountDownLatch rehearsalEnded = new CountDownLatch(1);
    private final Thread hook = new Thread(this::interrupted, "rehearsal-partial-report");
    private volatile Runnable writePartialReport;

    ReportOnInterrupt() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** What to write if the JVM stops from now on; nothing is written before this is set. */
    void writeWith(Runnable partialReport) {
        this.writePartialReport = partialReport;
    }

    /** Claims the report for the rehearsal's normal end; false when an interrupt is writing the partial one. */
    boolean claimForTheFinalReport() {
        return reportClaimed.compareAndSet(false, true);
    }

    private void interrupted() {
        Runnable write = writePartialReport;
        if (write == null) {
            return;
        }
        if (!reportClaimed.compareAndSet(false, true)) {
            awaitTheRehearsalsOwnReport();
            return;
        }
        Thread writer = new Thread(write, "rehearsal-partial-report-writer");
        writer.setDaemon(true);
        writer.start();
        try {
            writer.join(WRITE_LIMIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitTheRehearsalsOwnReport() {
        try {
            rehearsalEnded.await(WRITE_LIMIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The rehearsal has ended, its own report written or given up: a hook waiting for it may let the JVM stop. */
    @Override
    public void close() {
        rehearsalEnded.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already running its hooks: this one has written the partial report or finds it claimed.
        }
    }
}
