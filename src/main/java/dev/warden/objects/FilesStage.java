package dev.warden.objects;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.StoreSettings;
import dev.warden.config.Tenant;
import dev.warden.crypto.Envelope;
import dev.warden.exchange.RequestContext;
import dev.warden.http.JsonAnswer;
import dev.warden.http.SecurityHeaders;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.store.FileStore;
import dev.warden.store.StoredFile;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * OpenAI's files API ({@code /v1/files}), answered here from the control store: a tenant's files
 * are its own (another tenant's id answers exactly like an unknown one, and a listing shows only
 * its own). An upload is multipart, streamed in chunks of {@value #CHUNK} bytes, each sealed and
 * stored as it arrives (never held whole), and refused past {@code store.files.maxBytes}. Files
 * live where the control store lives ({@code store.files.region}): a tenant that may not use that
 * region cannot upload or read them.
 */
public final class FilesStage implements Stage {
    static final int CHUNK = 1 << 20;
    static final Set<String> PURPOSES = Set.of("batch", "fine-tune", "assistants", "user_data", "vision", "evals");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_LIST = 10_000;

    private final Vertx vertx;
    private final FileStore files;
    private final Envelope ring;

    /** {@code files} and {@code ring} null: no control store, so no files. */
    public FilesStage(Vertx vertx, FileStore files, Envelope ring) {
        this.vertx = vertx;
        this.files = files;
        this.ring = ring;
    }

    @Override
    public String name() {
        return "files";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation op = exchange.request().operation();
        if (!op.file()) {
            return Outcome.continueNow();
        }
        StoreSettings.Files settings = exchange.require(RequestContext.SNAPSHOT).config().store().files();
        if (!settings.on() || files == null) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.OPERATION_UNSUPPORTED,
                    "This gateway keeps no files (store.files is not set, or it runs without a control store).", "files_disabled"));
        }
        Tenant tenant = exchange.require(RequestContext.TENANT);
        if (!tenant.allowsRegion(settings.region())) {
            return regionRefused();
        }
        String id = exchange.request().pathId();
        return switch (op) {
            case FILE_UPLOAD -> upload(exchange, tenant.id(), settings.maxBytes());
            case FILE_LIST -> vertx.executeBlocking(() -> list(tenant.id()), false).compose(list -> JsonAnswer.send(exchange, 200, list));
            case FILE_GET -> vertx.executeBlocking(() -> files.find(tenant.id(), id), false)
                    .compose(f -> f.isPresent() ? JsonAnswer.send(exchange, 200, json(f.get())) : notFound());
            case FILE_DELETE -> vertx.executeBlocking(() -> files.delete(tenant.id(), id), false)
                    .compose(gone -> gone ? JsonAnswer.send(exchange, 200, MAPPER.createObjectNode().put("id", id).put("object", "file")
                            .put("deleted", true)) : notFound());
            case FILE_CONTENT -> vertx.executeBlocking(() -> files.find(tenant.id(), id), false)
                    .compose(f -> f.isPresent() ? content(exchange, f.get()) : notFound());
            default -> Outcome.continueNow();
        };
    }

    private static Future<Outcome> notFound() {
        return Outcome.rejectNow(GatewayError.of(ErrorCode.NOT_FOUND, "No such file.", "file_unknown"));
    }

    /** Files (a batch's too) live where the control store does: a tenant that may not use that region has none. */
    static Future<Outcome> regionRefused() {
        return Outcome.rejectNow(GatewayError.of(ErrorCode.REGION_NOT_ALLOWED,
                "Files are kept in a region this tenant may not use.", "files_region"));
    }

    private ObjectNode list(String tenant) {
        List<StoredFile> all = files.list(tenant, null, null, MAX_LIST);
        ObjectNode out = MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        all.forEach(f -> data.add(json(f)));
        out.put("has_more", false);
        if (all.isEmpty()) {
            out.putNull("first_id").putNull("last_id");
        } else {
            out.put("first_id", all.get(0).id()).put("last_id", all.get(all.size() - 1).id());
        }
        return out;
    }

    static ObjectNode json(StoredFile f) {
        ObjectNode n = MAPPER.createObjectNode().put("id", f.id()).put("object", "file").put("bytes", f.bytes())
                .put("created_at", f.createdAtMs() / 1000).put("filename", f.filename()).put("purpose", f.purpose())
                .put("status", f.status());
        n.putNull("expires_at").putNull("status_details");
        return n;
    }

    /** One upload: the file part's bytes sealed and stored chunk by chunk as they come, the request paused meanwhile. */
    private Future<Outcome> upload(Exchange exchange, String tenant, long maxBytes) {
        HttpServerRequest req = exchange.request().http();
        Upload up = new Upload(tenant, "file-" + HexFormat.of().formatHex(bytes(12)), maxBytes);
        req.setExpectMultipart(true);
        req.uploadHandler(part -> up.part(req, part));
        GatewayError unreadable = GatewayError.of(ErrorCode.INVALID_REQUEST, "The upload could not be read.", "upload_read_failed");
        Runnable gone = () -> { // the client left or was cut; a stream reset by the gateway (its body too slow) tells the request nothing
            if (!up.outcome.future().isComplete()) {
                exchange.markClientGone();
                up.fail(GatewayError.of(ErrorCode.INVALID_REQUEST, "The client left before its upload ended.", "client_gone"));
            }
        };
        req.exceptionHandler(e -> {
            if (exchange.clientLeft(e)) {
                gone.run();
            } else {
                up.fail(unreadable);
            }
        });
        req.response().closeHandler(v -> gone.run());
        req.endHandler(v -> up.end(req.getFormAttribute("purpose")));
        req.resume();
        return up.outcome.future().compose(o -> o instanceof Outcome.Continue ? JsonAnswer.send(exchange, 200, json(up.stored())) : Future.succeededFuture(o));
    }

    /** The state of one upload, on its request's event loop. */
    private final class Upload {
        final String tenant;
        final String id;
        final long maxBytes;
        final long createdAt = System.currentTimeMillis();
        final Promise<Outcome> outcome = Promise.promise();
        Buffer pending = Buffer.buffer();
        Future<Void> writes = Future.succeededFuture();
        String filename;
        String purpose;
        boolean seen;
        boolean failed;
        long bytes;
        int seq;

        Upload(String tenant, String id, long maxBytes) {
            this.tenant = tenant;
            this.id = id;
            this.maxBytes = maxBytes;
            writes = vertx.executeBlocking(() -> {
                files.create(new StoredFile(id, tenant, "upload", "batch", 0, StoredFile.UPLOADING, createdAt));
                return null;
            }, false);
        }

        void part(HttpServerRequest req, HttpServerFileUpload part) {
            if (seen || !"file".equals(part.name())) {
                part.handler(b -> { });
                fail(GatewayError.of(ErrorCode.INVALID_REQUEST, "The upload must have one part named 'file' (and the field 'purpose').",
                        "upload_fields"));
                return;
            }
            seen = true;
            filename = name(part.filename());
            part.handler(chunk -> {
                if (failed) {
                    return;
                }
                bytes += chunk.length();
                if (bytes > maxBytes) {
                    fail(GatewayError.of(ErrorCode.BODY_TOO_LARGE, "The file is larger than " + maxBytes + " bytes.", "file_too_large"));
                    req.response().putHeader("Connection", "close"); // the rest is not read
                    return;
                }
                pending.appendBuffer(chunk);
                if (pending.length() >= CHUNK) {
                    Buffer full = pending;
                    pending = Buffer.buffer();
                    part.pause();
                    write(full).onComplete(ar -> part.resume());
                }
            });
        }

        /** Seals and stores the next chunk after the ones before it. */
        Future<Void> write(Buffer chunk) {
            int n = seq++;
            writes = writes.compose(v -> vertx.executeBlocking(() -> {
                files.chunk(id, n, ring.seal(chunk.getBytes(), StoredFile.chunkAad(tenant, id, n)));
                return null;
            }, false));
            return writes;
        }

        void end(String givenPurpose) {
            if (failed) {
                return;
            }
            if (!seen) {
                fail(GatewayError.of(ErrorCode.INVALID_REQUEST, "The upload must have one part named 'file'.", "upload_fields"));
                return;
            }
            if (givenPurpose == null || !PURPOSES.contains(givenPurpose)) {
                fail(GatewayError.of(ErrorCode.INVALID_REQUEST, "'purpose' must be one of " + String.join(", ", PURPOSES.stream().sorted()
                        .toList()) + ".", "purpose_malformed"));
                return;
            }
            if (pending.length() > 0 || seq == 0) {
                write(pending);
            }
            purpose = givenPurpose;
            writes.compose(v -> vertx.executeBlocking(() -> {
                files.complete(tenant, id, filename, purpose, bytes);
                return null;
            }, false)).onComplete(ar -> {
                if (ar.failed()) {
                    fail(GatewayError.of(ErrorCode.STORE_UNAVAILABLE, "The file could not be stored; retry later.", "file_store_failed"));
                } else {
                    outcome.tryComplete(Outcome.CONTINUE);
                }
            });
        }

        StoredFile stored() {
            return new StoredFile(id, tenant, filename, purpose, bytes, StoredFile.PROCESSED, createdAt);
        }

        /** Refused: what was stored of it goes. */
        void fail(GatewayError error) {
            if (failed) {
                return;
            }
            failed = true;
            outcome.tryComplete(Outcome.reject(error));
            writes.eventually(() -> vertx.executeBlocking(() -> files.delete(tenant, id), false));
        }
    }

    /** A filename as given, cut to 256 characters and stripped of paths and control characters. */
    static String name(String given) {
        String s = given == null ? "upload" : given;
        int slash = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        s = s.substring(slash + 1).replaceAll("\\p{Cntrl}", "");
        if (s.isEmpty()) {
            s = "upload";
        }
        return s.length() > 256 ? s.substring(0, 256) : s;
    }

    /** The file's content, chunk by chunk as it is opened, with back-pressure. */
    private Future<Outcome> content(Exchange exchange, StoredFile f) {
        HttpServerResponse res = exchange.request().http().response();
        SecurityHeaders.apply(res.headers(), exchange);
        res.setStatusCode(200).putHeader("Content-Type", "application/octet-stream").putHeader("Content-Length", Long.toString(f.bytes()));
        exchange.responseStatus(200);
        Promise<Void> sent = Promise.promise();
        next(res, f, 0, sent);
        return Future.succeededFuture(new Outcome.Respond(new Outcome.Reply.Sent(sent.future())));
    }

    private void next(HttpServerResponse res, StoredFile f, int seq, Promise<Void> sent) {
        vertx.executeBlocking(() -> {
            String sealed = files.chunkOf(f.tenantId(), f.id(), seq);
            return sealed == null ? null : Buffer.buffer(ring.open(sealed, StoredFile.chunkAad(f.tenantId(), f.id(), seq)));
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                res.reset(); // mid-body there is no way to tell the client but to cut it
                sent.tryFail(ar.cause());
            } else if (ar.result() == null) {
                res.end().onComplete(sent);
            } else {
                res.write(ar.result());
                if (res.writeQueueFull()) {
                    res.drainHandler(v -> next(res, f, seq + 1, sent));
                } else {
                    next(res, f, seq + 1, sent);
                }
            }
        });
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
