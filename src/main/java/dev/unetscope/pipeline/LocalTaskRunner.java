package dev.unetscope.pipeline;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/** Tasks on a fixed number of threads of this JVM; one job runs them in order on the calling thread. */
final class LocalTaskRunner implements TaskRunner {
    private final int jobs;

    LocalTaskRunner(int jobs) {
        this.jobs = Math.max(1, jobs);
    }

    @Override
    public <I extends Serializable, O extends Serializable> void run(List<I> inputs, Work<I, O> work, Consumer<O> onResult) {
        if (jobs == 1) {
            for (I in : inputs) onResult.accept(work.apply(in));
            return;
        }
        List<Callable<Void>> tasks = new ArrayList<>();
        for (I in : inputs) {
            tasks.add(() -> {
                onResult.accept(work.apply(in));
                return null;
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        try {
            for (var f : pool.invokeAll(tasks)) {
                try {
                    f.get();
                } catch (ExecutionException ex) {
                    if (ex.getCause() instanceof RuntimeException re) throw re;
                    throw new IllegalStateException(ex.getCause());
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public boolean local() {
        return true;
    }

    @Override
    public void close() {
        // nothing held between runs
    }
}
