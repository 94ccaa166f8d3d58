package dev.warden.http;

import dev.warden.config.Ids;
import dev.warden.pipeline.Operation;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.http.HttpMethod;

/**
 * The data-plane route table, matched on the raw request target. There is exactly one spelling of
 * each route: no percent-decoding, no dot segments, no empty segments, no case folding. A target
 * holding anything that could decode or normalise into another path ({@code %}, {@code \},
 * {@code .}/{@code ..} segments, control or non-ASCII bytes) is refused before any lookup, so the
 * path the gateway authorizes is byte for byte the path it routes.
 */
final class Routes {
    private Routes() {
    }

    /** A matched route: the operation and its path parameters. */
    record Match(Operation operation, String tenant, String model, String job) {
        Match(Operation operation, String tenant, String model) {
            this(operation, tenant, model, null);
        }
    }

    /** Either a match or a refusal. */
    record Result(Match match, GatewayError error, String allow) {
        static Result error(GatewayError e) {
            return new Result(null, e, null);
        }
    }

    private static final Result NOT_FOUND = Result.error(GatewayError.of(ErrorCode.NOT_FOUND, "No such route.", "route_unknown"));

    static Result match(HttpMethod method, String target) {
        String path = target;
        if (path.startsWith("http://") || path.startsWith("https://")) {
            // absolute-form (RFC 9112 3.2.2): the target's path wins over Host
            int slash = path.indexOf('/', path.indexOf("//") + 2);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        if (path.indexOf('?') >= 0 || path.indexOf('#') >= 0) {
            return Result.error(GatewayError.of(ErrorCode.INVALID_PATH,
                    "Query strings and fragments are not accepted on this API.", "path_query"));
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            return Result.error(GatewayError.of(ErrorCode.INVALID_PATH, "The request target must be an absolute path.", "path_not_absolute"));
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '/' || c == '-' || c == '_' || c == '.' || c == ':' || c == '~';
            if (!ok) {
                return Result.error(GatewayError.of(ErrorCode.INVALID_PATH,
                        "The path holds a character that is not allowed (percent-encoding, backslash, control or non-ASCII).",
                        "path_bad_char"));
            }
        }
        if (hasDotSegment(path)) {
            return Result.error(GatewayError.of(ErrorCode.INVALID_PATH, "The path must not hold '.' or '..' segments.", "path_dot_segment"));
        }
        Operation op = switch (path) {
            case "/v1/chat/completions" -> Operation.CHAT_COMPLETIONS;
            case "/v1/completions" -> Operation.COMPLETIONS;
            case "/v1/embeddings" -> Operation.EMBEDDINGS;
            case "/v1/messages" -> Operation.MESSAGES;
            case "/v1/responses" -> Operation.RESPONSES;
            case "/v1/moderations" -> Operation.MODERATIONS;
            case "/v1/images/generations" -> Operation.IMAGES;
            case "/v1/audio/transcriptions" -> Operation.AUDIO_TRANSCRIPTIONS;
            case "/v1/audio/translations" -> Operation.AUDIO_TRANSLATIONS;
            case "/v1/models" -> Operation.LIST_MODELS;
            default -> null;
        };
        if (op != null) {
            return checkMethod(method, op, null, null);
        }
        if (path.startsWith("/v1/models/")) { // a model id may hold '/': all of the rest
            String model = path.substring("/v1/models/".length());
            return Ids.isModelName(model) ? checkMethod(method, Operation.MODEL_GET, null, model) : NOT_FOUND;
        }
        if (path.equals("/v1/batches")) {
            return method.equals(HttpMethod.GET) ? new Result(new Match(Operation.BATCH_LIST, null, null), null, null)
                    : checkMethod(method, Operation.BATCH_CREATE, null, null, null, "GET, POST");
        }
        if (path.startsWith("/v1/batches/")) {
            String[] parts = path.substring("/v1/batches/".length()).split("/", -1);
            if (!Ids.isObjectId(parts[0]) || parts.length > 2 || (parts.length == 2 && !parts[1].equals("cancel"))) {
                return NOT_FOUND; // a malformed id names no batch, of this tenant or any other
            }
            return parts.length == 2 ? checkMethod(method, Operation.BATCH_CANCEL, null, null, parts[0], null)
                    : checkMethod(method, Operation.BATCH_GET, null, null, parts[0], null);
        }
        if (path.equals("/v1/files")) {
            return method.equals(HttpMethod.GET) ? new Result(new Match(Operation.FILE_LIST, null, null), null, null)
                    : checkMethod(method, Operation.FILE_UPLOAD, null, null, null, "GET, POST");
        }
        if (path.startsWith("/v1/files/")) {
            String[] parts = path.substring("/v1/files/".length()).split("/", -1);
            if (!Ids.isObjectId(parts[0]) || parts.length > 2 || (parts.length == 2 && !parts[1].equals("content"))) {
                return NOT_FOUND; // a malformed id names no file, of this tenant or any other
            }
            if (parts.length == 2) {
                return checkMethod(method, Operation.FILE_CONTENT, null, null, parts[0], null);
            }
            if (method.equals(HttpMethod.DELETE)) {
                return new Result(new Match(Operation.FILE_DELETE, null, null, parts[0]), null, null);
            }
            return checkMethod(method, Operation.FILE_GET, null, null, parts[0], "GET, DELETE");
        }
        if (path.startsWith("/v1/responses/")) {
            String id = path.substring("/v1/responses/".length());
            if (!Ids.isObjectId(id)) {
                return NOT_FOUND; // a malformed id names no response, of this tenant or any other
            }
            if (method.equals(HttpMethod.DELETE)) {
                return new Result(new Match(Operation.RESPONSE_DELETE, null, null, id), null, null);
            }
            return checkMethod(method, Operation.RESPONSE_GET, null, null, id, "GET, DELETE");
        }
        if (path.startsWith("/api/v1/tenants/")) {
            String[] parts = path.split("/", -1);
            // "", api, v1, tenants, {tenant}, models, {model}, predict
            if (parts.length == 8 && parts[5].equals("models") && parts[7].equals("predict")
                    && !parts[4].isEmpty() && !parts[6].isEmpty()) {
                if (!Ids.isModelSegment(parts[6])) {
                    return Result.error(GatewayError.of(ErrorCode.INVALID_PATH,
                            "The model in the path is not a valid model name.", "path_model_malformed"));
                }
                return checkMethod(method, Operation.PREDICT, parts[4], parts[6]);
            }
            if (parts.length >= 6 && parts.length <= 8 && parts[5].equals("jobs") && !parts[4].isEmpty()) {
                return jobRoute(method, parts);
            }
        }
        return NOT_FOUND;
    }

    /** {@code /api/v1/tenants/{t}/jobs}, {@code .../jobs/{id}}, {@code .../jobs/{id}/cancel}. */
    private static Result jobRoute(HttpMethod method, String[] parts) {
        String tenant = parts[4];
        if (parts.length == 6) {
            if (method.equals(HttpMethod.GET)) {
                return new Result(new Match(Operation.JOB_LIST, tenant, null), null, null);
            }
            return checkMethod(method, Operation.JOB_CREATE, tenant, null, null, "GET, POST");
        }
        String job = parts[6];
        if (!Ids.isJobId(job) || (parts.length == 8 && !parts[7].equals("cancel"))) {
            return NOT_FOUND; // a malformed id names no job, of this tenant or any other
        }
        return parts.length == 7 ? checkMethod(method, Operation.JOB_GET, tenant, null, job, null)
                : checkMethod(method, Operation.JOB_CANCEL, tenant, null, job, null);
    }

    private static Result checkMethod(HttpMethod method, Operation op, String tenant, String model) {
        return checkMethod(method, op, tenant, model, null, null);
    }

    private static Result checkMethod(HttpMethod method, Operation op, String tenant, String model, String job, String allow) {
        HttpMethod expected = op.method();
        if (!method.equals(expected)) {
            String allowed = allow != null ? allow : expected.name();
            return new Result(null, GatewayError.of(ErrorCode.METHOD_NOT_ALLOWED,
                    "This route accepts " + allowed + " only.", "method_not_allowed"), allowed);
        }
        return new Result(new Match(op, tenant, model, job), null, null);
    }

    private static boolean hasDotSegment(String path) {
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            int len = end - start;
            if ((len == 1 && path.charAt(start) == '.') || (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }
}
