package dev.warden.exchange;

import java.nio.file.Path;

/**
 * The audio file of a transcription or translation request, streamed to a temporary file (deleted
 * when the exchange completes), with what its part said of it.
 */
public record AudioUpload(Path file, long bytes, String filename, String contentType) {
}
