package dev.warden.record;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records to the control store in batches, off the event loops, through a bounded queue
 * (the audit log's and the usage ledger's writers).
 *
 * <p>Records are never dropped silently. If the store is slow or down, records wait in the queue
 * and a failed batch is retried, in order, with back-off. Once the queue is past
 * {@code capacity - reserve} the gateway <b>fails closed</b>: {@link #saturated()} turns true and
 * the data plane refuses new requests until the writer catches up; the reserve leaves room for
 * the records of requests already in flight. Should even the reserve fill, the record is logged at
 * error level and counted ({@code warden_<name>_lost_total}). {@link #close()} writes what is queued.
 */
public abstract class BatchWriter<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
    private static final int BATCH = 500;
    /** Group commit: after the first record, wait this long for more before writing (fewer, larger transactions). */
    private static final long LINGER_MS = 20;

    private final String name;
    private final ArrayBlockingQueue<T> queue;
    private final int threshold;
    private final Thread thread;
    private volatile Counter written;
    private volatile Counter lost;
    private volatile Counter failures;
    private volatile boolean running = true;
    private volatile boolean inFlight;
    /** Records the writer has taken from the queue and not yet written (retried while the store fails). */
    private volatile int inHand;
    private volatile boolean storeDown;

    protected BatchWriter(String name, int capacity, int reserve) {
        if (reserve < 1 || reserve >= capacity) {
            throw new IllegalArgumentException("reserve: " + reserve + " (expected: 1.." + (capacity - 1) + ")");
        }
        this.name = name;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.threshold = capacity - reserve;
        bindMetrics(new SimpleMeterRegistry());
        this.thread = Thread.ofPlatform().daemon().name("warden-" + name + "-writer").unstarted(this::run);
    }

    /** Appends one batch in one transaction; throws to have it retried. */
    protected abstract void append(List<T> batch);

    /** Publishes the writer's counters and queue depth in {@code meters} (the gateway's registry). */
    public void bindMetrics(MeterRegistry meters) {
        this.written = meters.counter("warden_" + name + "_written_total");
        this.lost = meters.counter("warden_" + name + "_lost_total");
        this.failures = meters.counter("warden_" + name + "_write_failures_total");
        meters.gauge("warden_" + name + "_queue_depth", queue, ArrayBlockingQueue::size);
    }

    @SuppressWarnings("unchecked")
    public <W extends BatchWriter<T>> W start() {
        thread.start();
        return (W) this;
    }

    /** Queues a record; never blocks. */
    public void record(T item) {
        if (!queue.offer(item)) {
            lost.increment();
            LOG.error("{} queue full, record not written: {}", name, item);
        }
    }

    /**
     * Whether new requests must be refused until the writer catches up (fail closed): the records
     * not yet written, those queued and those in the writer's hand (a batch it keeps retrying),
     * reach the threshold.
     */
    public boolean saturated() {
        return queue.size() + inHand >= threshold;
    }

    /** Waits until every queued record is written (or the timeout passes); true if drained. */
    public boolean flush(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!queue.isEmpty() || inFlight) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private void run() {
        List<T> batch = new ArrayList<>(BATCH);
        long backoffMs = 50;
        while (running || !queue.isEmpty() || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    T first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    inFlight = true;
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                    inHand = batch.size();
                    if (batch.size() < BATCH && running) {
                        Thread.sleep(LINGER_MS);
                        queue.drainTo(batch, BATCH - batch.size());
                    }
                    inHand = batch.size();
                }
                append(batch);
                written.increment(batch.size());
                batch.clear();
                inHand = 0;
                inFlight = false;
                backoffMs = 50;
                if (storeDown) {
                    storeDown = false;
                    LOG.info("{} writer: store reachable again", name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // Keep the batch, in order, and try again: nothing is dropped.
                failures.increment();
                if (!storeDown) {
                    storeDown = true;
                    LOG.warn("{} writer: cannot append ({}); retrying, {} records waiting", name, e.getMessage(),
                            queue.size() + batch.size());
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, 2_000);
            }
        }
    }

    /** Stops after writing what is queued (a graceful stop loses nothing the store accepts). */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.error("{} writer: store unreachable at shutdown, {} records not written", name, queue.size());
        }
    }
}
