package dev.warden.provider;

import dev.warden.config.PoolConfig;
import dev.warden.config.SecretRef;
import dev.warden.config.UpstreamConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current value of every secret Warden presents to upstreams. An environment variable is read
 * once; a file is read again whenever it changes ({@link #refresh}, on a worker thread: the caller
 * runs it every second and after each config reload), so a key is rotated by rewriting its file,
 * without a restart. A file that vanishes or turns empty keeps the last value (and says so in the
 * log): a half-written file never cuts the upstream off. Values are never logged; {@link #redact}
 * takes them out of any text that leaves the gateway (an upstream's error message, say).
 */
public final class UpstreamSecrets {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamSecrets.class);

    /** A loaded secret, and the file's state it was read at (null for an environment variable). */
    private record Loaded(String value, FileTime modified, long size) {
        @Override
        public String toString() {
            return "Loaded[<redacted>]";
        }
    }

    private final Function<String, String> env;
    private final Map<SecretRef, Loaded> loaded = new ConcurrentHashMap<>();

    /** {@code env}: the process environment ({@code System::getenv}). */
    public UpstreamSecrets(Function<String, String> env) {
        this.env = env;
    }

    /** The secret's current value, or null if it has never been read (nothing is read here: it is called on event loops). */
    public String value(SecretRef ref) {
        Loaded l = loaded.get(ref);
        return l == null ? null : l.value();
    }

    /**
     * Reads every reference not read yet, and every file that changed since it was read. Blocking:
     * call it from a worker thread. Forgets references no longer named.
     */
    public void refresh(Collection<SecretRef> refs) {
        loaded.keySet().retainAll(refs);
        for (SecretRef ref : refs) {
            Loaded before = loaded.get(ref);
            if (ref.env() != null) {
                if (before == null) {
                    String v = env.apply(ref.env());
                    if (v != null && !v.isBlank()) {
                        loaded.put(ref, new Loaded(v.strip(), null, 0));
                    } else {
                        LOG.warn("upstream secret {} is not set", ref);
                    }
                }
                continue;
            }
            try {
                FileTime modified = Files.getLastModifiedTime(ref.file());
                long size = Files.size(ref.file());
                if (before != null && modified.equals(before.modified()) && size == before.size()) {
                    continue;
                }
                String v = Files.readString(ref.file(), StandardCharsets.UTF_8).strip();
                if (v.isEmpty()) {
                    LOG.warn("upstream secret {} is empty; {}", ref, before == null ? "no value yet" : "keeping the previous one");
                    continue;
                }
                loaded.put(ref, new Loaded(v, modified, size));
                if (before != null && !before.value().equals(v)) {
                    LOG.info("upstream secret {} changed: the new one is used from now on", ref);
                }
            } catch (IOException e) {
                LOG.warn("upstream secret {} cannot be read ({}); {}", ref, e.getClass().getSimpleName(),
                        before == null ? "no value yet" : "keeping the previous one");
            }
        }
    }

    /** Every secret the pools' upstream credentials name. */
    public static Set<SecretRef> refsOf(Collection<PoolConfig> pools) {
        Set<SecretRef> refs = new HashSet<>();
        for (PoolConfig p : pools) {
            for (UpstreamConfig u : p.upstreams()) {
                if (u.credential().present()) {
                    refs.add(u.credential().secret());
                }
            }
        }
        return refs;
    }

    /** {@code text} with every secret value in it replaced by {@code [redacted]}. */
    public String redact(String text) {
        String out = text;
        for (Loaded l : loaded.values()) {
            if (l.value().length() >= 4 && out.contains(l.value())) {
                out = out.replace(l.value(), "[redacted]");
            }
        }
        return out;
    }
}
