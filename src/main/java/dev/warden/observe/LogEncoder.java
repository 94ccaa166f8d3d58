package dev.warden.observe;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Locale;

/**
 * The application log's encoder (logback.xml): readable lines with a full date by default, or one
 * JSON object per line (logback's {@link JsonEncoder}) with {@code WARDEN_LOG_FORMAT=json}, for a
 * log collector. Chosen once at start; any other value is refused loudly and the text form used.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{20} - %msg%n";

    private Encoder<ILoggingEvent> delegate;

    @Override
    public void start() {
        start(System.getenv().getOrDefault("WARDEN_LOG_FORMAT", "text"));
    }

    /** Starts with {@code format} ({@code text} or {@code json}) instead of the environment's. */
    void start(String requested) {
        String format = requested.toLowerCase(Locale.ROOT);
        if (format.equals("json")) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithArguments(false);
            json.setWithMessage(false);
            json.setWithFormattedMessage(true);
            delegate = json;
        } else {
            if (!format.equals("text")) {
                addError("WARDEN_LOG_FORMAT=" + format + " (expected: text or json); writing text");
            }
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(PATTERN);
            delegate = text;
        }
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }
}
