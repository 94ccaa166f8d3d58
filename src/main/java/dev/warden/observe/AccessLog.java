package dev.warden.observe;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where access lines go: stdout, through a per-event-loop batch ({@link Batch}: lines are appended
 * on the loop with no hand-over per line) that is passed to one writer thread when it holds
 * {@value #BATCH_BYTES} bytes or {@value #FLUSH_MS} ms have passed. The writer never blocks an
 * event loop: past {@value #MAX_QUEUED_BYTES} bytes waiting, a batch is dropped and its lines
 * counted in {@link #dropped()} (the usage ledger and the audit log are the records never
 * dropped). {@code WARDEN_ACCESS_LOG_LEVEL=OFF} turns stdout off. Taps (tests) see every line.
 */
public final class AccessLog implements AutoCloseable {
    static final int BATCH_BYTES = 32 * 1024;
    static final long FLUSH_MS = 200;
    static final long MAX_QUEUED_BYTES = 8L * 1024 * 1024;

    private final boolean stdout;
    private final OutputStream out;
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final List<Consumer<String>> taps = new CopyOnWriteArrayList<>();
    private final Thread writer;
    private volatile boolean running = true;

    private AccessLog(boolean stdout, OutputStream out) {
        this.stdout = stdout;
        this.out = out;
        this.writer = Thread.ofPlatform().daemon().name("warden-access-log").unstarted(this::run);
        if (stdout) {
            writer.start();
        }
    }

    /** Stdout, unless {@code WARDEN_ACCESS_LOG_LEVEL=OFF}. */
    public static AccessLog fromEnvironment() {
        boolean off = "OFF".equalsIgnoreCase(System.getenv("WARDEN_ACCESS_LOG_LEVEL"));
        return new AccessLog(!off, new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024));
    }

    /** Whether anyone reads the lines (if not, the stage builds none). */
    public boolean active() {
        return stdout || !taps.isEmpty();
    }

    /** Every line, also, to {@code tap} (tests). */
    public void tap(Consumer<String> tap) {
        taps.add(tap);
    }

    public void untap(Consumer<String> tap) {
        taps.remove(tap);
    }

    /** Lines dropped because the writer could not keep up. */
    public long dropped() {
        return dropped.get();
    }

    /** One event loop's batch: used only by that loop's thread. */
    public final class Batch {
        private final StringBuilder lines = new StringBuilder(BATCH_BYTES + 1024);
        private int count;
        private long firstAtMs;

        public void add(String line) {
            for (Consumer<String> t : taps) {
                t.accept(line);
            }
            if (!stdout) {
                return;
            }
            if (count == 0) {
                firstAtMs = System.currentTimeMillis();
            }
            lines.append(line).append('\n');
            count++;
            if (lines.length() >= BATCH_BYTES) {
                flush();
            }
        }

        /** Hands the batch to the writer if it is due (called by the loop's periodic tick). */
        public void flushIfDue(long nowMs) {
            if (count > 0 && nowMs - firstAtMs >= FLUSH_MS) {
                flush();
            }
        }

        void flush() {
            byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
            if (queuedBytes.get() + bytes.length > MAX_QUEUED_BYTES) {
                dropped.addAndGet(count);
            } else {
                queuedBytes.addAndGet(bytes.length);
                queue.add(bytes);
            }
            lines.setLength(0);
            count = 0;
        }
    }

    public Batch newBatch() {
        return new Batch();
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            try {
                byte[] chunk = queue.poll(100, TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    continue;
                }
                do {
                    queuedBytes.addAndGet(-chunk.length);
                    out.write(chunk);
                    chunk = queue.poll();
                } while (chunk != null);
                out.flush();
            } catch (InterruptedException e) {
                running = false;
            } catch (IOException e) {
                // stdout is gone (closed pipe): nothing more can be written; keep draining so producers never stall
            }
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
