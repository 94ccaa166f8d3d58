package dev.warden.record;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The keyed hash chain: each record's MAC commits to the previous MAC and to every field. */
public final class AuditChain {
    public static final String GENESIS = "0".repeat(64);
    private final SecretKeySpec key;

    public AuditChain(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("secret: " + secret.length + " bytes (expected: >= 32)");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
    }

    public String mac(String previousMac, long seq, AuditEvent event) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(previousMac.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(event.canonical(seq).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "AuditChain[key=<redacted>]";
    }
}
