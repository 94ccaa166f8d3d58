package dev.warden.proxy;

import dev.warden.exchange.AudioUpload;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * An audio request on its way upstream: a multipart body rebuilt by the gateway (the client's
 * fields, the model renamed to the name the upstream knows it by, then the file) and streamed from
 * the file on disk, never read into memory.
 */
final class AudioForward {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final String boundary;
    private final Buffer head;
    private final Buffer tail;
    private final AudioUpload upload;

    AudioForward(AudioUpload upload, MultiMap clientFields, String upstreamModel) {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        this.boundary = "warden-" + HexFormat.of().formatHex(random);
        this.upload = upload;
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> f : clientFields) {
            String value = f.getKey().equals("model") ? upstreamModel : f.getValue();
            sb.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(quoted(f.getKey()))
                    .append("\"\r\n\r\n").append(value).append("\r\n");
        }
        sb.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
                .append(quoted(upload.filename() == null ? "audio" : upload.filename())).append("\"\r\nContent-Type: ")
                .append(upload.contentType() == null || upload.contentType().isBlank() ? "application/octet-stream" : upload.contentType())
                .append("\r\n\r\n");
        this.head = Buffer.buffer(sb.toString().getBytes(StandardCharsets.UTF_8));
        this.tail = Buffer.buffer(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    long length() {
        return head.length() + upload.bytes() + tail.length();
    }

    /** Writes the body and ends the request; the response, as {@code send} would give it. */
    Future<HttpClientResponse> send(HttpClientRequest request) {
        Vertx vertx = Vertx.currentContext().owner(); // the request's event loop
        request.write(head);
        return vertx.fileSystem().open(upload.file().toString(), new OpenOptions().setRead(true).setWrite(false)).compose(file ->
                file.pipe().endOnSuccess(false).to(request).eventually(file::close)).compose(v -> request.end(tail))
                .compose(v -> request.response());
    }

    /** A field or file name inside a quoted header parameter: no quote, no line break. */
    private static String quoted(String s) {
        return s.replaceAll("[\"\\r\\n]", "_");
    }
}
