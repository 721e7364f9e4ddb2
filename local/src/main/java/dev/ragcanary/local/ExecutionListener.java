package dev.ragcanary.local;

/** Follows a local execution as it runs; called on the runner's reader thread, in order. */
public interface ExecutionListener {

    ExecutionListener NONE = new ExecutionListener() {
    };

    default void onExecution(ExecutionEvent event) {
    }

    default void onState(StateEvent event) {
    }
}
