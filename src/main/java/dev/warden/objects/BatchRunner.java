package dev.warden.objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.crypto.Envelope;
import dev.warden.store.BatchStore;
import dev.warden.store.FileStore;
import dev.warden.store.KeyStore;
import dev.warden.store.StoredBatch;
import dev.warden.store.StoredFile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs batches, one at a time per process, on a virtual thread: claims one whose lease ran out (so a
 * replica that stopped mid-batch is taken over where it left off), sends each of its lines to the
 * data plane on loopback as a request of its tenant (the batch's key, {@code X-Warden-Priority:
 * batch}), waits out a 429 or 503 as its {@code Retry-After} says (the tenant's limits hold for
 * batches too), and appends each answer to the batch's output file, sealed, chunk by chunk. A
 * cancel stops it at the next line; 24 hours after creation it expires. At the end its key is revoked.
 */
public final class BatchRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long LEASE_MS = 30_000;
    private static final int FLUSH_LINES = 100;
    private static final int FLUSH_BYTES = 1 << 20;
    private static final long RENEW_MS = 10_000;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final BatchStore batches;
    private final FileStore files;
    private final KeyStore keys;
    private final Envelope ring;
    private final String dataBase;
    private final Runnable syncKeys;
    private final LongSupplier clock;
    private final String owner = "runner-" + UUID.randomUUID();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile boolean running = true;
    private Thread thread;

    /** {@code dataBase}: the data listener on loopback ({@code http://127.0.0.1:8080}). */
    public BatchRunner(BatchStore batches, FileStore files, KeyStore keys, Envelope ring, String dataBase, Runnable syncKeys, LongSupplier clock) {
        this.batches = batches;
        this.files = files;
        this.keys = keys;
        this.ring = ring;
        this.dataBase = dataBase;
        this.syncKeys = syncKeys;
        this.clock = clock;
    }

    public BatchRunner start() {
        thread = Thread.ofVirtual().name("warden-batch-runner").start(this::loop);
        return this;
    }

    private void loop() {
        while (running) {
            try {
                long now = clock.getAsLong();
                var claimed = batches.claim(owner, now, now + LEASE_MS);
                if (claimed.isPresent()) {
                    run(claimed.get());
                } else {
                    Thread.sleep(500);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) { // the store or a sealed value: the batch's lease runs out and it is tried again
                LOG.warn("batch runner: {}", e.toString());
                sleep(1000);
            }
        }
    }

    /** One batch, from its next line to its end (or a cancel, an expiry, a lost lease). */
    private void run(StoredBatch b) throws Exception {
        String key = ring.openText(b.sealedKey(), StoredBatch.keyAad(b.tenantId(), b.id()));
        String out = b.outputFileId();
        if (out == null) {
            byte[] random = new byte[12];
            RANDOM.nextBytes(random);
            out = "file-" + HexFormat.of().formatHex(random);
            files.create(new StoredFile(out, b.tenantId(), "batch_" + b.id() + "_output.jsonl", "batch_output", 0, StoredFile.UPLOADING,
                    clock.getAsLong()));
        }
        String outputId = out;
        Output output = Output.resume(files, ring, b.tenantId(), outputId);
        int[] counts = {b.completed(), b.failed(), b.nextLine()};
        int[] flushed = counts.clone(); // what a replica taking over resumes from: the output holds these lines
        long[] renewed = {clock.getAsLong()};
        String[] stop = {null};
        if (b.status().equals(StoredBatch.CANCELLING)) {
            stop[0] = StoredBatch.CANCELLED;
        }
        if (stop[0] == null) {
            BatchLines.each(files, ring, b.tenantId(), b.inputFileId(), b.nextLine(), (index, line) -> {
                if (!running) {
                    return false;
                }
                if (clock.getAsLong() > b.expiresAt()) {
                    stop[0] = StoredBatch.EXPIRED;
                    return false;
                }
                JsonNode request = MAPPER.readTree(line);
                ObjectNode result = call(b, key, index, request);
                boolean ok = result.path("response").path("status_code").asInt() / 100 == 2;
                counts[ok ? 0 : 1]++;
                output.add(result.toString());
                counts[2] = index + 1;
                boolean flush = output.pendingLines() >= FLUSH_LINES || output.pendingBytes() >= FLUSH_BYTES;
                if (flush) {
                    output.flush();
                    System.arraycopy(counts, 0, flushed, 0, 3);
                }
                if (flush || clock.getAsLong() - renewed[0] > RENEW_MS) { // the lease renewed, with what is in the output
                    renewed[0] = clock.getAsLong();
                    if (!batches.progress(b.id(), owner, flushed[0], flushed[1], flushed[2], outputId, renewed[0] + LEASE_MS)) {
                        stop[0] = "lost";
                        return false;
                    }
                    if (batches.get(b.id()).map(x -> x.status().equals(StoredBatch.CANCELLING)).orElse(false)) {
                        stop[0] = StoredBatch.CANCELLED;
                        return false;
                    }
                }
                return true;
            });
        }
        if ("lost".equals(stop[0]) || !running) {
            return; // another replica has it now, or this one stops: it resumes from the last flush
        }
        output.flush();
        files.complete(b.tenantId(), outputId, "batch_" + b.id() + "_output.jsonl", "batch_output", output.bytes());
        batches.progress(b.id(), owner, counts[0], counts[1], counts[2], outputId, clock.getAsLong() + LEASE_MS);
        keys.revoke(b.tenantId(), b.keyId(), clock.getAsLong());
        syncKeys.run();
        batches.finish(b.id(), owner, stop[0] == null ? StoredBatch.COMPLETED : stop[0], clock.getAsLong());
    }

    /** One line through the data plane; its output line. Waits out 429 and 503 as told. */
    private ObjectNode call(StoredBatch b, String key, int index, JsonNode request) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(dataBase + b.endpoint())).timeout(Duration.ofMinutes(10))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("X-Warden-Priority", "batch").POST(HttpRequest.BodyPublishers.ofString(request.get("body").toString())).build();
        HttpResponse<String> res = null;
        for (int attempt = 0; attempt < 1000 && running; attempt++) {
            res = http.send(req, HttpResponse.BodyHandlers.ofString());
            int s = res.statusCode();
            boolean notYet = s == 401 && attempt < 30; // the batch's key reaches the data plane with the next store sync
            if (s != 429 && s != 503 && !notYet) {
                break;
            }
            long waitMs = notYet ? 1000 : Math.min(60_000, 1000L * res.headers().firstValue("Retry-After").map(BatchRunner::seconds).orElse(1L));
            if (clock.getAsLong() + waitMs > b.expiresAt()) {
                break;
            }
            Thread.sleep(waitMs);
        }
        ObjectNode line = MAPPER.createObjectNode().put("id", "batch_req_" + b.id().substring(6) + "_" + index)
                .put("custom_id", request.get("custom_id").textValue());
        ObjectNode response = line.putObject("response").put("status_code", res == null ? 0 : res.statusCode())
                .put("request_id", res == null ? null : res.headers().firstValue("X-Request-ID").orElse(null));
        JsonNode body;
        try {
            body = res == null ? null : MAPPER.readTree(res.body());
        } catch (IOException e) {
            body = MAPPER.getNodeFactory().textNode(res.body());
        }
        response.set("body", body);
        line.putNull("error");
        return line;
    }

    private static long seconds(String v) {
        try {
            return Math.max(1, Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** The output file as it grows: lines held until flushed as one sealed chunk. */
    private static final class Output {
        private final FileStore files;
        private final Envelope ring;
        private final String tenant;
        private final String id;
        private final StringBuilder pending = new StringBuilder();
        private int lines;
        private int seq;
        private long bytes;

        private Output(FileStore files, Envelope ring, String tenant, String id) {
            this.files = files;
            this.ring = ring;
            this.tenant = tenant;
            this.id = id;
        }

        /** Its chunks so far (a batch taken over goes on after them). */
        static Output resume(FileStore files, Envelope ring, String tenant, String id) throws Envelope.SealedException {
            Output o = new Output(files, ring, tenant, id);
            for (String sealed; (sealed = files.chunkOf(tenant, id, o.seq)) != null; o.seq++) {
                o.bytes += ring.open(sealed, StoredFile.chunkAad(tenant, id, o.seq)).length;
            }
            return o;
        }

        void add(String line) {
            pending.append(line).append('\n');
            lines++;
        }

        int pendingLines() {
            return lines;
        }

        int pendingBytes() {
            return pending.length();
        }

        long bytes() {
            return bytes;
        }

        void flush() {
            if (lines == 0) {
                return;
            }
            byte[] chunk = pending.toString().getBytes(StandardCharsets.UTF_8);
            files.chunk(id, seq, ring.seal(chunk, StoredFile.chunkAad(tenant, id, seq)));
            seq++;
            bytes += chunk.length;
            pending.setLength(0);
            lines = 0;
        }
    }
}
