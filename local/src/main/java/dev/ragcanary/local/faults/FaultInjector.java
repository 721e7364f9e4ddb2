package dev.ragcanary.local.faults;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where one fault-matrix case breaks the rollout. Every control-plane call a faulty part makes passes through
 * {@link #before} and {@link #after}, named by its {@link Point}: the function invocation it happens in (its
 * context, e.g. {@code weight-shifter shift ten}), the call ({@code Lambda.UpdateAlias}) and which occurrence of that
 * call within the first invocation of that context. A recording run lists every point; a case then acts at one: it
 * fails the call ({@link Fault}), or runs another writer there ({@link Interleaving}).
 */
public final class FaultInjector {
    /** Longest a paused call waits for the writer it lets go first. */
    private static final long PAUSE_SECONDS = 20;

    /**
     * @param context    the function invocation the call happens in, e.g. {@code weight-shifter shift ten}
     * @param occurrence 1 for the first such call in the first invocation of that context
     */
    public record Point(String context, String call, int occurrence) {
        @Override
        public String toString() {
            return context + ": " + call + (occurrence > 1 ? " #" + occurrence : "");
        }
    }

    /** A call failing at a point, once. */
    public record Fault(Point point, FaultKind kind) {
    }

    /**
     * Another writer at a point: {@code action} runs just before the call ({@code before}) or just after it took
     * effect, on the calling thread, so the interleaving is exact and repeatable.
     */
    public record Interleaving(Point point, boolean before, Runnable action) {
    }

    private final ThreadLocal<Invocation> current = new ThreadLocal<>();
    private final Map<String, Integer> invocationsByContext = new HashMap<>();
    private final List<Point> recorded = new ArrayList<>();
    private final Set<Point> tookEffect = new HashSet<>();
    private Fault fault;
    private boolean faultFired;
    private final List<Interleaving> interleavings = new ArrayList<>();
    private final Map<Point, CountDownLatch> pauses = new HashMap<>();

    /** The invocation a thread is serving: its context, whether it is the context's first, calls made so far. */
    private static final class Invocation {
        final String context;
        final boolean first;
        final Map<String, Integer> calls = new HashMap<>();

        Invocation(String context, boolean first) {
            this.context = context;
            this.first = first;
        }
    }

    public synchronized void inject(Fault fault) {
        this.fault = fault;
    }

    public synchronized void interleave(Interleaving interleaving) {
        interleavings.add(interleaving);
    }

    /** Holds the call at {@code point} until {@link #resume} names it (or a generous timeout passes). */
    public synchronized void pause(Point point) {
        pauses.put(point, new CountDownLatch(1));
    }

    public synchronized void resume(Point point) {
        CountDownLatch latch = pauses.get(point);
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Whether the planned fault has happened (a case whose point the rollout never reached proves nothing). */
    public synchronized boolean faultFired() {
        return faultFired;
    }

    /** Every point the rollout passed, in order (a recording run has no fault). */
    public synchronized List<Point> recorded() {
        return List.copyOf(recorded);
    }

    /**
     * Whether the call at {@code point} succeeded when it was passed: only then can it take effect and lose its reply
     * (a conditional write that is refused changes nothing).
     */
    public synchronized boolean tookEffect(Point point) {
        return tookEffect.contains(point);
    }

    /** Runs {@code work} as an invocation of {@code context}: the calls it makes are its points. */
    public <T> T within(String context, Supplier<T> work) {
        Invocation outer = current.get();
        boolean first;
        synchronized (this) {
            int n = invocationsByContext.merge(context, 1, Integer::sum);
            first = n == 1;
        }
        current.set(new Invocation(context, first));
        try {
            return work.get();
        } finally {
            current.set(outer);
        }
    }

    /**
     * Called before each control-plane call: runs an interleaving planned before it, waits if paused, and throws
     * {@code failure} of the planned fault if the call fails before taking effect.
     *
     * @param failure the exception the real service's client would raise for a fault kind
     * @return the point, to pass to {@link #after}
     */
    public Point before(String call, Function<FaultKind, RuntimeException> failure) {
        Point point = pointOf(call);
        if (point == null) {
            return null;
        }
        runInterleavings(point, true);
        awaitResume(point);
        FaultKind failing = takeFault(point, false);
        if (failing != null) {
            throw failure.apply(failing);
        }
        return point;
    }

    /** Called after the call took effect: runs an interleaving planned after it; throws a lost reply if planned. */
    public void after(Point point, Function<FaultKind, RuntimeException> failure) {
        if (point == null) {
            return;
        }
        synchronized (this) {
            tookEffect.add(point);
        }
        runInterleavings(point, false);
        FaultKind failing = takeFault(point, true);
        if (failing != null) {
            throw failure.apply(failing);
        }
    }

    private Point pointOf(String call) {
        Invocation invocation = current.get();
        if (invocation == null) {
            return null;
        }
        int occurrence = invocation.calls.merge(call, 1, Integer::sum);
        Point point = new Point(invocation.context, call, occurrence);
        synchronized (this) {
            if (invocation.first) {
                recorded.add(point);
            }
        }
        return invocation.first ? point : null;
    }

    private synchronized FaultKind takeFault(Point point, boolean afterTakingEffect) {
        if (fault == null || faultFired || !fault.point().equals(point)
                || fault.kind().takesEffect() != afterTakingEffect) {
            return null;
        }
        faultFired = true;
        return fault.kind();
    }

    private void runInterleavings(Point point, boolean before) {
        List<Interleaving> due;
        synchronized (this) {
            due = interleavings.stream().filter(i -> i.point().equals(point) && i.before() == before).toList();
            interleavings.removeAll(due);
        }
        due.forEach(i -> i.action().run());
    }

    private void awaitResume(Point point) {
        CountDownLatch latch;
        synchronized (this) {
            latch = pauses.get(point);
        }
        if (latch == null) {
            return;
        }
        try {
            latch.await(PAUSE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
