package dev.warden.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the serving {@link Snapshot} in one atomic reference. A reload reads, validates and
 * compiles the whole new config off the event loop; only a fully valid one is swapped in, and a
 * bad one leaves the old one serving with the errors in {@link #status()}.
 *
 * <p>Listeners and egress are fixed at start: a change of {@code listeners} or {@code egress} in
 * the file is reported and ignored until restart.
 */
public final class SnapshotHolder {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotHolder.class);

    private final Path file;
    private final SnapshotCompiler compiler;
    private final RuntimeState runtimeKeys;
    private volatile Snapshot current;
    private volatile ConfigStatus status;
    private String fileSha;
    private String pendingSha;
    private final List<Consumer<FileReload>> reloadListeners = new CopyOnWriteArrayList<>();

    /**
     * A change of the config file, taken ({@code accepted}) or refused with its errors.
     *
     * @param version the version serving afterwards
     */
    public record FileReload(boolean accepted, long version, String sha256, List<String> errors) {
    }

    /** Adds a listener called (on the reloading thread) for every change of the file, taken or refused: the audit log records each. */
    public void onFileReload(Consumer<FileReload> listener) {
        reloadListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private SnapshotHolder(Path file, SnapshotCompiler compiler, RuntimeState runtimeKeys, Snapshot first, String sha) {
        this.file = file;
        this.compiler = compiler;
        this.runtimeKeys = runtimeKeys;
        this.current = first;
        this.fileSha = sha;
        Instant now = Instant.now();
        this.status = new ConfigStatus(first.version(), file == null ? "(embedded)" : file.toString(), now, sha, now,
                List.of(), 0, 0);
    }

    /** Loads the file once; fails (with every error) if it is not valid. */
    public static SnapshotHolder fromFile(Path file, SnapshotCompiler compiler, RuntimeState runtimeKeys) throws ConfigException {
        String text = read(file);
        WardenConfig config = ConfigLoader.parse(text, file.toAbsolutePath().getParent());
        return new SnapshotHolder(file, compiler, runtimeKeys, compiler.compile(1, config, runtimeKeys), sha256(text));
    }

    /** A holder for a config built in code (tests, benchmarks); {@link #reloadFile()} is a no-op. */
    public static SnapshotHolder fixed(WardenConfig config, SnapshotCompiler compiler, RuntimeState runtimeKeys) throws ConfigException {
        return new SnapshotHolder(null, compiler, runtimeKeys, compiler.compile(1, config, runtimeKeys), "");
    }

    public Snapshot current() {
        return current;
    }

    public ConfigStatus status() {
        return status;
    }

    /**
     * Re-reads the file; if its content changed (and stayed the same since the previous call),
     * validates and swaps. Blocking (file I/O): call it
     * from a worker thread. Returns true when a new snapshot was swapped in.
     */
    public synchronized boolean reloadFile() {
        if (file == null) {
            return false;
        }
        String text;
        try {
            text = read(file);
        } catch (ConfigException e) {
            return reject(fileSha, e.errors());
        }
        String sha = sha256(text);
        if (sha.equals(fileSha)) {
            return false;
        }
        // Act only on content seen unchanged at two polls in a row: a file being written in place
        // is never read half-way and reported as broken.
        if (!sha.equals(pendingSha)) {
            pendingSha = sha;
            return false;
        }
        try {
            WardenConfig next = ConfigLoader.parse(text, file.toAbsolutePath().getParent());
            if (!next.dataListener().equals(current.config().dataListener())
                    || !next.adminListener().equals(current.config().adminListener())) {
                LOG.warn("config: listeners changed in {}; they take effect at the next restart", file);
                next = next.withListeners(current.config().dataListener(), current.config().adminListener());
            }
            if (!next.egress().equals(current.config().egress())) {
                LOG.warn("config: egress changed in {}; it takes effect at the next restart", file);
                next = next.withEgress(current.config().egress());
            }
            WardenConfig was = current.config();
            if (!next.store().equals(was.store()) || !next.limiter().equals(was.limiter()) || !next.cache().equals(was.cache())
                    || !next.telemetry().equals(was.telemetry())) {
                // the stores' connections and the span exporter are made at start (the values are not logged: credentials)
                LOG.warn("config: store, limiter, cache or telemetry changed in {}; they take effect at the next restart", file);
            }
            swap(compiler.compile(current.version() + 1, next, runtimeKeys), sha);
            reloadListeners.forEach(l -> l.accept(new FileReload(true, current.version(), sha, List.of())));
            return true;
        } catch (ConfigException e) {
            return reject(sha, e.errors());
        }
    }

    /** Recompiles the serving config after the runtime keys changed. */
    public synchronized void recompile() throws ConfigException {
        swap(compiler.compile(current.version() + 1, current.config(), runtimeKeys), fileSha);
    }

    private void swap(Snapshot next, String sha) {
        current = next;
        fileSha = sha;
        ConfigStatus s = status;
        Instant now = Instant.now();
        status = new ConfigStatus(next.version(), s.source(), now, sha, now, List.of(), s.reloads() + 1, s.rejectedReloads());
        LOG.info("config: version {} serving ({} tenants, {} models, {} keys)", next.version(),
                next.tenants().size(), next.models().size(), next.keys().size());
    }

    private boolean reject(String sha, List<String> errors) {
        ConfigStatus s = status;
        // Remember the bad content's hash so the same bad file is reported once, not every poll.
        fileSha = sha;
        status = new ConfigStatus(s.version(), s.source(), s.loadedAt(), s.sha256(), Instant.now(), errors,
                s.reloads(), s.rejectedReloads() + 1);
        LOG.error("config: change refused, version {} keeps serving; {} error(s):\n  {}", s.version(), errors.size(),
                String.join("\n  ", errors));
        reloadListeners.forEach(l -> l.accept(new FileReload(false, s.version(), sha, errors)));
        return false;
    }

    private static String read(Path file) throws ConfigException {
        try {
            return Files.readString(Objects.requireNonNull(file, "file"));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read (" + e.getClass().getSimpleName() + ")"));
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
