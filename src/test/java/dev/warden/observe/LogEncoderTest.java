package dev.warden.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The application log's two forms: a readable line with a full date, or one JSON object per line. */
class LogEncoderTest {
    private static String encode(String format) {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        LogEncoder encoder = new LogEncoder();
        encoder.setContext(context);
        encoder.start(format);
        Logger logger = context.getLogger("dev.warden.app.Gateway");
        LoggingEvent event = new LoggingEvent("x", logger, Level.INFO, "warden ready on {} \"quoted\"", null, new Object[] {8080});
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void textLinesCarryAFullDate() {
        assertThat(encode("text")).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) INFO  "
                + "d\\.warden\\.app\\.Gateway - warden ready on 8080 \"quoted\"\\R");
    }

    @Test
    void jsonIsOneObjectPerLineWithTheFormattedMessage() throws Exception {
        String line = encode("JSON");
        assertThat(line).endsWith("\n").doesNotContain("\n\n");
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("INFO");
        assertThat(json.path("loggerName").asText()).isEqualTo("dev.warden.app.Gateway");
        assertThat(json.path("formattedMessage").asText()).isEqualTo("warden ready on 8080 \"quoted\"");
        assertThat(json.path("timestamp").asLong()).isGreaterThan(1_700_000_000_000L);
    }

    @Test
    void anUnknownFormatFallsBackToText() {
        assertThat(encode("xml")).contains(" INFO  d.warden.app.Gateway - warden ready on 8080");
    }
}
