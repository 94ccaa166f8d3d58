package dev.warden.objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.config.StoreSettings;
import dev.warden.config.Tenant;
import dev.warden.crypto.ApiKeyFormat;
import dev.warden.crypto.Envelope;
import dev.warden.crypto.KeyHasher;
import dev.warden.exchange.Principal;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.http.JsonAnswer;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import dev.warden.store.BatchStore;
import dev.warden.store.FileStore;
import dev.warden.store.KeyStore;
import dev.warden.store.StoredBatch;
import dev.warden.store.StoredFile;
import dev.warden.store.StoredKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * OpenAI's batches API ({@code /v1/batches}), answered here and run by Warden itself
 * ({@link BatchRunner}): a batch's input file is one of the tenant's files, checked line by line
 * when the batch is created; each line then goes through the data plane like a request of the
 * tenant's (admitted, limited, guarded, charged, ledgered), at the {@code batch} priority class,
 * with a key issued for the batch (the creator's role and models; sealed in the batch's row;
 * revoked when it ends). Another tenant's batch id answers like an unknown one.
 */
public final class BatchesStage implements Stage {
    static final Set<String> ENDPOINTS = Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses");
    static final int MAX_LINES = 10_000;
    static final long WINDOW_MS = 24L * 3600 * 1000;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the stage needs of the control plane (null when there is none: no batches). */
    public record Deps(BatchStore batches, FileStore files, KeyStore keys, Envelope ring, KeyHasher hasher, Runnable syncKeys) {
    }

    private final Vertx vertx;
    private final Deps deps;

    public BatchesStage(Vertx vertx, Deps deps) {
        this.vertx = vertx;
        this.deps = deps;
    }

    @Override
    public String name() {
        return "batches";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        Operation op = exchange.request().operation();
        if (!op.batch()) {
            return Outcome.continueNow();
        }
        StoreSettings.Files files = exchange.require(RequestContext.SNAPSHOT).config().store().files();
        if (deps == null || !files.on()) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.OPERATION_UNSUPPORTED,
                    "This gateway runs no batches (they need store.files and a control store).", "batches_disabled"));
        }
        if (exchange.require(RequestContext.SNAPSHOT).config().dataListener().tls() != null) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.OPERATION_UNSUPPORTED,
                    "This gateway runs no batches: its runner calls the data listener on loopback, which speaks TLS here.", "batches_tls"));
        }
        Tenant tenant = exchange.require(RequestContext.TENANT);
        if (!tenant.allowsRegion(files.region())) {
            return FilesStage.regionRefused();
        }
        String id = exchange.request().pathId();
        return switch (op) {
            case BATCH_CREATE -> vertx.executeBlocking(() -> create(exchange, tenant), false)
                    .compose(r -> r instanceof ObjectNode n ? JsonAnswer.send(exchange, 200, n) : Future.succeededFuture((Outcome) r));
            case BATCH_LIST -> vertx.executeBlocking(() -> list(tenant.id()), false).compose(n -> JsonAnswer.send(exchange, 200, n));
            case BATCH_GET -> vertx.executeBlocking(() -> deps.batches().find(tenant.id(), id), false)
                    .compose(b -> b.isPresent() ? JsonAnswer.send(exchange, 200, json(b.get())) : notFound());
            case BATCH_CANCEL -> vertx.executeBlocking(() -> deps.batches().cancel(tenant.id(), id, System.currentTimeMillis()), false)
                    .compose(b -> b.isPresent() ? JsonAnswer.send(exchange, 200, json(b.get())) : notFound());
            default -> Outcome.continueNow();
        };
    }

    private static Future<Outcome> notFound() {
        return Outcome.rejectNow(GatewayError.of(ErrorCode.NOT_FOUND, "No such batch.", "batch_unknown"));
    }

    private static Outcome refuse(String detail, String reason) {
        return Outcome.reject(GatewayError.of(ErrorCode.INVALID_REQUEST, detail, reason));
    }

    /** A new batch (its JSON), or a refusal: blocking, on a worker. */
    private Object create(Exchange exchange, Tenant tenant) throws Exception {
        RequestBody body = exchange.require(RequestContext.BODY);
        JsonNode file = body.field("input_file_id");
        JsonNode endpoint = body.field("endpoint");
        JsonNode window = body.field("completion_window");
        JsonNode metadata = body.field("metadata");
        if (file == null || !file.isTextual() || endpoint == null || !endpoint.isTextual() || !ENDPOINTS.contains(endpoint.textValue())) {
            return refuse("A batch needs 'input_file_id' and 'endpoint' (one of " + String.join(", ", ENDPOINTS.stream().sorted().toList())
                    + ").", "batch_fields");
        }
        if (window != null && !(window.isTextual() && window.textValue().equals("24h"))) {
            return refuse("'completion_window' must be 24h.", "batch_window");
        }
        if (metadata != null && !metadata.isNull() && (!metadata.isObject() || metadata.size() > 16)) {
            return refuse("'metadata' must be an object of at most 16 entries.", "batch_metadata");
        }
        StoredFile input = deps.files().find(tenant.id(), file.textValue()).orElse(null);
        if (input == null) {
            return Outcome.reject(GatewayError.of(ErrorCode.NOT_FOUND, "No such file.", "file_unknown"));
        }
        if (!input.purpose().equals("batch")) {
            return refuse("The input file's purpose must be batch.", "batch_file_purpose");
        }
        Checked checked = check(tenant.id(), input, endpoint.textValue());
        if (checked.problem() != null) {
            return refuse(checked.problem(), "batch_input_invalid");
        }
        int lines = checked.lines();
        Principal p = exchange.require(RequestContext.PRINCIPAL);
        long now = System.currentTimeMillis();
        String key = ApiKeyFormat.generate();
        deps.keys().insert(new StoredKey(ApiKeyFormat.keyId(key), tenant.id(), p.role(), p.models() == null ? null : List.copyOf(p.models()),
                deps.hasher().hashText(key), now, 0, now + WINDOW_MS + 3_600_000, 0));
        deps.syncKeys().run();
        String id = "batch_" + HexFormat.of().formatHex(bytes(12));
        StoredBatch b = new StoredBatch(id, tenant.id(), p.subject(), ApiKeyFormat.keyId(key), deps.ring().seal(key, StoredBatch.keyAad(tenant.id(), id)),
                input.id(), endpoint.textValue(), StoredBatch.IN_PROGRESS, lines, 0, 0, 0, null,
                metadata == null || metadata.isNull() ? null : metadata.toString(), now, now, 0, 0, now + WINDOW_MS);
        deps.batches().create(b);
        return json(b);
    }

    /** What reading an input file found: the first line that cannot run (null: none), and how many there are. */
    private record Checked(String problem, int lines) {
    }

    /** Every line: one JSON object with a unique custom_id, method POST, the batch's url, and a body. One pass. */
    private Checked check(String tenant, StoredFile input, String endpoint) throws Exception {
        Set<String> ids = new HashSet<>();
        int[] n = {0};
        String[] problem = {null};
        BatchLines.each(deps.files(), deps.ring(), tenant, input.id(), 0, (index, line) -> {
            n[0]++;
            if (n[0] > MAX_LINES) {
                problem[0] = "At most " + MAX_LINES + " requests per batch.";
                return false;
            }
            JsonNode r;
            try {
                r = MAPPER.readTree(line);
            } catch (Exception e) {
                r = null;
            }
            String at = "Line " + (index + 1) + ": ";
            if (r == null || !r.isObject()) {
                problem[0] = at + "not a JSON object.";
            } else if (!r.path("custom_id").isTextual() || !ids.add(r.get("custom_id").textValue())) {
                problem[0] = at + "'custom_id' must be a string, unique in the file.";
            } else if (!"POST".equals(r.path("method").asText()) || !endpoint.equals(r.path("url").asText())) {
                problem[0] = at + "'method' must be POST and 'url' the batch's endpoint (" + endpoint + ").";
            } else if (!r.path("body").isObject()) {
                problem[0] = at + "'body' must be an object.";
            }
            return problem[0] == null;
        });
        if (problem[0] == null && n[0] == 0) {
            problem[0] = "The input file has no requests.";
        }
        return new Checked(problem[0], n[0]);
    }

    private ObjectNode list(String tenant) {
        ObjectNode out = MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        List<StoredBatch> all = deps.batches().list(tenant, 1000);
        all.forEach(b -> data.add(json(b)));
        out.put("has_more", false);
        if (all.isEmpty()) {
            out.putNull("first_id").putNull("last_id");
        } else {
            out.put("first_id", all.get(0).id()).put("last_id", all.get(all.size() - 1).id());
        }
        return out;
    }

    /** A batch as OpenAI's SDKs read it. */
    static ObjectNode json(StoredBatch b) {
        ObjectNode n = MAPPER.createObjectNode().put("id", b.id()).put("object", "batch").put("endpoint", b.endpoint());
        n.putNull("errors");
        n.put("input_file_id", b.inputFileId()).put("completion_window", "24h").put("status", b.status());
        putText(n, "output_file_id", b.outputFileId() != null && b.finished() ? b.outputFileId() : null);
        n.putNull("error_file_id");
        n.put("created_at", b.createdAt() / 1000);
        putTime(n, "in_progress_at", b.inProgressAt());
        n.put("expires_at", b.expiresAt() / 1000);
        putTime(n, "finalizing_at", b.finishedAt());
        putTime(n, "completed_at", b.status().equals(StoredBatch.COMPLETED) ? b.finishedAt() : 0);
        putTime(n, "failed_at", b.status().equals(StoredBatch.FAILED) ? b.finishedAt() : 0);
        putTime(n, "expired_at", b.status().equals(StoredBatch.EXPIRED) ? b.finishedAt() : 0);
        putTime(n, "cancelling_at", b.cancelAskedAt());
        putTime(n, "cancelled_at", b.status().equals(StoredBatch.CANCELLED) ? b.finishedAt() : 0);
        n.putObject("request_counts").put("total", b.total()).put("completed", b.completed()).put("failed", b.failed());
        if (b.metadata() == null) {
            n.putNull("metadata");
        } else {
            try {
                n.set("metadata", MAPPER.readTree(b.metadata()));
            } catch (Exception e) {
                n.putNull("metadata");
            }
        }
        return n;
    }

    private static void putTime(ObjectNode n, String field, long ms) {
        if (ms > 0) {
            n.put(field, ms / 1000);
        } else {
            n.putNull(field);
        }
    }

    private static void putText(ObjectNode n, String field, String v) {
        if (v == null) {
            n.putNull(field);
        } else {
            n.put(field, v);
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
