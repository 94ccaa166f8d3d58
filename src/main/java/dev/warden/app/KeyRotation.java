package dev.warden.app;

import dev.warden.crypto.Envelope;
import dev.warden.crypto.SecretFiles;
import dev.warden.record.PayloadRecord;
import dev.warden.store.ControlStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Rotating the key-encryption key: with the new key first in the ring and the old one after it,
 * every sealed value Warden stores (the data directory's secret files, the payload log) gets its
 * data key re-wrapped under the new key. The data itself is not re-encrypted. Afterwards the old
 * key may leave the ring. Safe to run again; safe beside a running gateway (a row written meanwhile
 * is sealed under whatever key that process's ring puts first).
 */
public final class KeyRotation {
    /** The data directory's sealed files. */
    public static final List<String> SECRET_FILES = List.of("keyhash.secret", "audit.secret");

    private KeyRotation() {
    }

    /** What a rotation changed. */
    public record Report(int files, int payloads) {
    }

    public static Report rotate(Envelope ring, Path dataDir, ControlStore store) throws IOException {
        int files = 0;
        for (String name : SECRET_FILES) {
            if (SecretFiles.rewrap(dataDir.resolve(name), ring)) {
                files++;
            }
        }
        int payloads = store.payloads().rewrap(r -> {
            try {
                return new PayloadRecord(r.id(), r.tenant(), r.requestId(), r.atMs(), r.principal(), r.operation(), r.model(), r.status(),
                        r.expiresAtMs(), ring.rewrap(r.sealed(), PayloadRecord.aad(r.tenant(), r.id())));
            } catch (Envelope.SealedException e) {
                throw new UncheckedIOException(new IOException("payload " + r.id() + " of " + r.tenant() + ": " + e.getMessage()));
            }
        });
        return new Report(files, payloads);
    }
}
