package dev.warden.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An OTLP/HTTP collector on loopback: what Warden exported (protobuf, read as ISO-8859-1 text so
 * that names and values can be looked for), and each export's content type, path and
 * {@code X-Collector-Token} header.
 */
public final class OtlpCollector implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final List<Buffer> exported = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final int port;

    public OtlpCollector() throws Exception {
        port = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            requests.add(req.getHeader("Content-Type") + " " + req.path()
                    + (req.getHeader("X-Collector-Token") == null ? "" : " token=" + req.getHeader("X-Collector-Token")));
            exported.add(b);
            req.response().putHeader("Content-Type", "application/x-protobuf").end();
        })).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS).actualPort();
    }

    /** The traces endpoint to give Warden. */
    public String endpoint() {
        return "http://127.0.0.1:" + port + "/v1/traces";
    }

    /** Each export: {@code <content type> <path>[ token=<X-Collector-Token>]}. */
    public List<String> requests() {
        return requests;
    }

    /** Everything exported so far, as text. */
    public String text() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        exported.forEach(b -> all.writeBytes(b.getBytes()));
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    /** The exported text once it satisfies {@code done}, or as it is after 10 s (the caller's assertions then say what is missing). */
    public String awaitText(Predicate<String> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String text = text();
        while (!done.test(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            text = text();
        }
        return text;
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(5, TimeUnit.SECONDS);
    }
}
