package dev.warden.record;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.crypto.Envelope;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload log's writer: seals each payload on its own thread (never on an event loop) and
 * appends them in batches ({@link BatchWriter}: queue, retry, fail closed; metrics
 * {@code warden_payloads_*}).
 */
public final class PayloadWriter extends BatchWriter<PayloadWriter.Entry> {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final PayloadLog log;
    private final Envelope ring;

    /** A payload not sealed yet: its row without {@code sealed}, the request and the answer as sent. */
    public record Entry(PayloadRecord row, String request, String response) {
        @Override
        public String toString() { // logged if ever lost: metadata only
            return "payload " + row.id() + " of " + row.tenant() + " (request " + row.requestId() + ")";
        }
    }

    public PayloadWriter(PayloadLog log, Envelope ring, int capacity, int reserve) {
        super("payloads", capacity, reserve);
        this.log = log;
        this.ring = ring;
    }

    @Override
    protected void append(List<Entry> batch) {
        List<PayloadRecord> rows = new ArrayList<>(batch.size());
        for (Entry e : batch) {
            PayloadRecord r = e.row();
            ObjectNode doc = MAPPER.createObjectNode();
            doc.put("request", e.request());
            doc.put("response", e.response());
            rows.add(new PayloadRecord(r.id(), r.tenant(), r.requestId(), r.atMs(), r.principal(), r.operation(), r.model(), r.status(),
                    r.expiresAtMs(), ring.seal(doc.toString(), PayloadRecord.aad(r.tenant(), r.id()))));
        }
        log.append(rows);
    }
}
