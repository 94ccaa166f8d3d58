package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files API through the official OpenAI Java SDK: a tenant's files are its own (another
 * tenant's id answers like an unknown one, for every route; a listing shows only its own), content
 * comes back byte for byte across several sealed chunks, nothing of it is readable in the store,
 * uploads are capped, and a tenant that may not use the files' region has none.
 */
class FilesApiTest {
    private static final long CAP = 3L * 1024 * 1024;
    private TestGateway gw;
    private String db;

    @BeforeEach
    void start() throws Exception {
        db = Databases.fresh(Databases.Kind.SQLITE);
        gw = new TestGateway(yaml -> yaml + "store: { files: { region: us, maxBytes: " + CAP + " } }\n", db);
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private OpenAIClient client(String tenant) {
        return OpenAIOkHttpClient.builder().baseUrl(gw.dataUrl("/v1")).apiKey(gw.key(tenant)).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    /** JSON lines of a batch, about {@code bytes} long, each line different. */
    private static byte[] jsonl(int bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < bytes; i++) {
            sb.append("{\"custom_id\":\"line-").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":")
                    .append("{\"model\":\"gpt-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"tangerine ").append(i).append("\"}]}}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTenantsFilesAreItsOwnByteForByteAndSealedAtRest(@TempDir Path dir) throws Exception {
        byte[] content = jsonl(2_500_000); // three chunks of at most 1 MiB
        Path file = Files.write(dir.resolve("input.jsonl"), content);
        OpenAIClient acme = client("acme");
        FileObject up = acme.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.BATCH).build());
        assertThat(up.id()).startsWith("file-");
        assertThat(up.bytes()).isEqualTo(content.length);
        assertThat(up.filename()).isEqualTo("input.jsonl");
        assertThat(up.purpose()).isEqualTo(FileObject.Purpose.BATCH);

        assertThat(acme.files().retrieve(up.id()).bytes()).isEqualTo(content.length);
        assertThat(acme.files().list().data()).extracting(FileObject::id).containsExactly(up.id());
        try (HttpResponse r = acme.files().content(up.id()); InputStream in = r.body()) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }

        // another tenant: every route answers as for an id that does not exist; its list is empty
        OpenAIClient globex = client("globex");
        assertThat(globex.files().list().data()).isEmpty();
        for (String path : List.of("/v1/files/", "/v1/files/%s/content")) {
            String theirs = path.contains("%s") ? path.formatted(up.id()) : path + up.id();
            String none = path.contains("%s") ? path.formatted("file-000000000000000000000000") : path + "file-000000000000000000000000";
            java.net.http.HttpResponse<String> a = Http.get(gw.dataUrl(theirs), "Authorization", bearer(gw.key("globex")));
            java.net.http.HttpResponse<String> b = Http.get(gw.dataUrl(none), "Authorization", bearer(gw.key("globex")));
            assertThat(a.statusCode()).as(theirs).isEqualTo(404);
            assertThat(a.body()).isEqualTo(b.body());
        }
        assertThatThrownBy(() -> globex.files().delete(up.id())).isInstanceOf(NotFoundException.class);
        assertThat(acme.files().retrieve(up.id()).id()).as("still there").isEqualTo(up.id());

        // at rest: sealed chunks, not a line of it readable
        Path sqlite = Path.of(db.substring("jdbc:sqlite:".length()));
        StringBuilder dump = new StringBuilder();
        for (String suffix : List.of("", "-wal")) {
            Path p = Path.of(sqlite + suffix);
            if (Files.exists(p)) {
                dump.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        assertThat(dump).contains("wenc1.").doesNotContain("tangerine");

        assertThat(acme.files().delete(up.id()).deleted()).isTrue();
        assertThatThrownBy(() -> acme.files().retrieve(up.id())).isInstanceOf(NotFoundException.class);
        assertThat(acme.files().list().data()).isEmpty();
    }

    @Test
    void uploadsAreCappedCheckedAndKeptInTheirRegionOnly(@TempDir Path dir) throws Exception {
        Path big = Files.write(dir.resolve("big.jsonl"), jsonl((int) CAP + 100_000));
        java.net.http.HttpResponse<String> tooBig = multipart("acme", big, "batch");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.body()).contains("body_too_large");
        java.net.http.HttpResponse<String> tooBigChunked = multipart("acme", big, "batch", true);
        assertThat(tooBigChunked.statusCode()).as("counted as it streams, without a declared length").isEqualTo(413);
        assertThat(tooBigChunked.body()).contains("The file is larger than");

        Path small = Files.write(dir.resolve("small.jsonl"), jsonl(1000));
        java.net.http.HttpResponse<String> noPurpose = multipart("acme", small, "nonsense");
        assertThat(noPurpose.statusCode()).isEqualTo(400);
        assertThat(noPurpose.body()).contains("purpose");
        assertThat(client("acme").files().list().data()).as("nothing of a refused upload is kept").isEmpty();

        java.net.http.HttpResponse<String> json = Http.post(gw.dataUrl("/v1/files"), "{}", "Authorization", bearer(gw.key("acme")));
        assertThat(json.statusCode()).isEqualTo(415);

        // initech may use eu only; the files are kept in us
        java.net.http.HttpResponse<String> elsewhere = multipart("initech", small, "batch");
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        assertThat(elsewhere.body()).contains("region_not_allowed");
        assertThat(Http.get(gw.dataUrl("/v1/files"), "Authorization", bearer(gw.key("initech"))).statusCode()).isEqualTo(403);
    }

    /** A multipart upload by hand (the SDK checks the purpose before sending). */
    private java.net.http.HttpResponse<String> multipart(String tenant, Path file, String purpose) throws Exception {
        return multipart(tenant, file, purpose, false);
    }

    private java.net.http.HttpResponse<String> multipart(String tenant, Path file, String purpose, boolean chunked) throws Exception {
        String boundary = "----warden" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" + purpose + "\r\n").getBytes());
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file.getFileName()
                + "\"\r\nContent-Type: application/jsonl\r\n\r\n").getBytes());
        body.write(Files.readAllBytes(file));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes());
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.dataUrl("/v1/files"))).timeout(Duration.ofSeconds(20))
                .header("Authorization", bearer(gw.key(tenant))).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body.toByteArray()))
                        : HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        return HttpClient.newHttpClient().send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
    }
}
