package dev.warden.body;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.warden.exchange.AudioUpload;
import dev.warden.exchange.RequestBody;
import dev.warden.exchange.RequestContext;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Outcome;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * An audio request's multipart body: the {@code file} part streamed to a temporary file as it
 * arrives (never held in memory; past {@code limits.maxAudioBytes}, 413 and the file deleted), the
 * other parts read as the request's fields ({@code model}, {@code prompt}, ...), so that every
 * later stage sees a body like any other. The file is deleted when the exchange completes.
 */
final class AudioBody {
    private AudioBody() {
    }

    static Future<Outcome> read(Exchange exchange, long maxBytes) {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.currentContext().owner();
        return vertx.fileSystem().createTempFile("warden-audio-", ".part").compose(path -> {
            Path temp = Path.of(path);
            exchange.put(RequestContext.AUDIO, new AudioUpload(temp, 0, null, null)); // deleted on completion, whatever happens
            return vertx.fileSystem().open(path, new OpenOptions().setWrite(true).setTruncateExisting(true))
                    .compose(file -> receive(exchange, temp, file, maxBytes));
        }, e -> Outcome.rejectNow(GatewayError.of(ErrorCode.INTERNAL_ERROR, "The upload could not be stored.", "audio_temp")));
    }

    private static Future<Outcome> receive(Exchange exchange, Path temp, AsyncFile file, long maxBytes) {
        HttpServerRequest req = exchange.request().http();
        Promise<Outcome> outcome = Promise.promise();
        String[] name = {null};
        String[] type = {null};
        long[] bytes = {0};
        boolean[] seen = {false};
        Promise<Void> written = Promise.promise();
        req.setExpectMultipart(true);
        req.uploadHandler(part -> {
            if (seen[0] || !"file".equals(part.name())) {
                part.handler(b -> { });
                outcome.tryComplete(Outcome.reject(GatewayError.of(ErrorCode.INVALID_REQUEST,
                        "An audio request has one part named 'file' and its fields.", "audio_fields")));
                return;
            }
            seen[0] = true;
            name[0] = part.filename();
            type[0] = part.contentType();
            part.handler(chunk -> {
                bytes[0] += chunk.length();
                if (bytes[0] > maxBytes) {
                    req.response().putHeader("Connection", "close"); // the rest is not read
                    outcome.tryComplete(Outcome.reject(GatewayError.of(ErrorCode.BODY_TOO_LARGE,
                            "The audio file is larger than " + maxBytes + " bytes.", "audio_too_large")));
                    return;
                }
                if (!outcome.future().isComplete()) {
                    file.write(chunk);
                    if (file.writeQueueFull()) {
                        part.pause();
                        file.drainHandler(v -> part.resume());
                    }
                }
            });
            part.endHandler(v -> file.close().onComplete(written));
        });
        req.exceptionHandler(e -> ReadBodyStage.failed(exchange, e, outcome));
        req.response().closeHandler(v -> ReadBodyStage.gone(exchange, outcome)); // a stream reset by the gateway (ReadBodyStage)
        req.endHandler(v -> {
            if (!seen[0]) {
                file.close();
                outcome.tryComplete(Outcome.reject(GatewayError.of(ErrorCode.INVALID_REQUEST, "An audio request needs a part named 'file'.",
                        "audio_fields")));
                return;
            }
            written.future().onComplete(ar -> {
                Map<String, JsonNode> fields = new HashMap<>();
                req.formAttributes().forEach((k, value) -> {
                    if (ReadBodyStage.AUDIO_FIELDS.contains(k)) {
                        fields.put(k, TextNode.valueOf(value));
                    }
                });
                exchange.put(RequestContext.AUDIO, new AudioUpload(temp, bytes[0], name[0], type[0]));
                exchange.put(RequestContext.BODY, new RequestBody(io.vertx.core.buffer.Buffer.buffer(), fields));
                outcome.tryComplete(ar.succeeded() ? Outcome.CONTINUE : Outcome.reject(GatewayError.of(ErrorCode.INTERNAL_ERROR,
                        "The upload could not be stored.", "audio_temp")));
            });
        });
        req.resume();
        return outcome.future();
    }

    /** Deletes the exchange's temporary audio file, if it has one. */
    static void discard(Exchange exchange) {
        AudioUpload upload = exchange.get(RequestContext.AUDIO);
        if (upload != null) {
            try {
                Files.deleteIfExists(upload.file());
            } catch (IOException e) {
                // a temporary file: the system's cleaning takes it
            }
        }
    }
}
