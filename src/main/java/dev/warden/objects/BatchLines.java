package dev.warden.objects;

import dev.warden.crypto.Envelope;
import dev.warden.store.FileStore;
import dev.warden.store.StoredFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The lines of a tenant's file, read chunk by chunk as they are opened (never the whole file at once). */
final class BatchLines {
    /** One line (its index from 0, its text without the newline); false to stop. */
    interface Visitor {
        boolean line(int index, String text) throws Exception;
    }

    private BatchLines() {
    }

    /** Visits the non-blank lines from index {@code from}; their count is the index of the next. */
    static void each(FileStore files, Envelope ring, String tenant, String fileId, int from, Visitor visitor) throws Exception {
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        int index = 0;
        for (int seq = 0; ; seq++) {
            String sealed = files.chunkOf(tenant, fileId, seq);
            if (sealed == null) {
                break;
            }
            for (byte b : ring.open(sealed, StoredFile.chunkAad(tenant, fileId, seq))) {
                if (b != '\n') {
                    pending.write(b);
                    continue;
                }
                String line = pending.toString(StandardCharsets.UTF_8).strip();
                pending.reset();
                if (line.isEmpty()) {
                    continue;
                }
                if (index >= from && !visitor.line(index, line)) {
                    return;
                }
                index++;
            }
        }
        String last = pending.toString(StandardCharsets.UTF_8).strip();
        if (!last.isEmpty() && index >= from) {
            visitor.line(index, last);
        }
    }
}
