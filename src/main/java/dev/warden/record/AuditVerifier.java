package dev.warden.record;

import java.util.List;

/**
 * Checks a whole audit chain: sequence numbers 1..n without gaps, each MAC recomputed from the
 * previous one, and the head (last sequence and MAC) matching the last record. Names the first
 * bad record: deleted, altered, reordered and truncated records are all detected.
 */
public final class AuditVerifier {
    private AuditVerifier() {
    }

    /** The verdict: ok, or the first bad sequence number and why. */
    public record Result(boolean ok, long records, long firstBadSeq, String problem) {
    }

    public static Result verify(List<AuditRecord> records, long headSeq, String headMac, AuditChain chain) {
        String previous = AuditChain.GENESIS;
        long expected = 1;
        for (AuditRecord r : records) {
            if (r.seq() != expected) {
                return new Result(false, records.size(), expected,
                        "record " + expected + " is missing or out of order (found " + r.seq() + ")");
            }
            if (!chain.mac(previous, r.seq(), r.event()).equals(r.mac())) {
                return new Result(false, records.size(), r.seq(), "record " + r.seq() + " was altered or reordered (MAC mismatch)");
            }
            previous = r.mac();
            expected++;
        }
        long last = expected - 1;
        if (last != headSeq || !previous.equals(headMac)) {
            return new Result(false, records.size(), last + 1,
                    "the chain ends at " + last + " but the head says " + headSeq + ": records were truncated or the head altered");
        }
        return new Result(true, records.size(), 0, "ok");
    }
}
