package dev.warden.audit;

import dev.warden.store.ControlStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes audit events to the store in batches, off the event loops, through a bounded queue.
 *
 * <p>Events are never dropped silently. If the store is slow or down, events wait in the queue
 * (retried with back-off, in order); once the queue is past {@code capacity - reserve} the gateway
 * <b>fails closed</b>: {@link #saturated()} turns true and the audit stage refuses new requests
 * (503 {@code audit_unavailable}) until the writer catches up. The reserve leaves room for the
 * events of requests already in flight. Should even the reserve fill, the event is logged at error
 * level with its fields and counted in {@code warden_audit_lost_total}, which alerts must watch.
 */
public final class AuditWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
    private static final int BATCH = 500;

    private final ControlStore store;
    private final AuditChain chain;
    private final ArrayBlockingQueue<AuditEvent> queue;
    private final int threshold;
    private volatile Counter written;
    private volatile Counter lost;
    private volatile Counter failures;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean storeDown;

    public AuditWriter(ControlStore store, AuditChain chain, int capacity, int reserve) {
        if (reserve < 1 || reserve >= capacity) {
            throw new IllegalArgumentException("reserve: " + reserve + " (expected: 1.." + (capacity - 1) + ")");
        }
        this.store = store;
        this.chain = chain;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.threshold = capacity - reserve;
        bindMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        this.thread = Thread.ofPlatform().daemon().name("warden-audit-writer").unstarted(this::run);
    }

    /** Publishes the writer's counters and queue depth in {@code meters} (the gateway's registry). */
    public void bindMetrics(MeterRegistry meters) {
        this.written = meters.counter("warden_audit_events_written_total");
        this.lost = meters.counter("warden_audit_lost_total");
        this.failures = meters.counter("warden_audit_write_failures_total");
        meters.gauge("warden_audit_queue_depth", queue, ArrayBlockingQueue::size);
    }

    public AuditWriter start() {
        thread.start();
        return this;
    }

    /** Queues an event; never blocks. */
    public void record(AuditEvent event) {
        if (!queue.offer(event)) {
            lost.increment();
            LOG.error("audit queue full, event not chained: {}", event);
        }
    }

    /** Whether new requests must be refused until the writer catches up (fail closed). */
    public boolean saturated() {
        return queue.size() >= threshold;
    }

    /** Waits until every queued event is written (or the timeout passes); true if drained. */
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

    private volatile boolean inFlight;

    private void run() {
        List<AuditEvent> batch = new ArrayList<>(BATCH);
        long backoffMs = 50;
        while (running || !queue.isEmpty() || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    AuditEvent first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    inFlight = true;
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                }
                store.appendAudit(batch, chain);
                written.increment(batch.size());
                batch.clear();
                inFlight = false;
                backoffMs = 50;
                if (storeDown) {
                    storeDown = false;
                    LOG.info("audit writer: store reachable again");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // Keep the batch, in order, and try again: nothing is dropped.
                failures.increment();
                if (!storeDown) {
                    storeDown = true;
                    LOG.warn("audit writer: cannot append ({}); retrying, {} events waiting", e.getMessage(), queue.size() + batch.size());
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

    /** Stops after writing what is queued (graceful shutdown loses nothing the store accepts). */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.error("audit writer: store unreachable at shutdown, {} events not chained", queue.size());
        }
    }
}
