package dev.warden.config;

import java.util.List;

/**
 * An API key declared in {@code warden.yaml}: either its keyed hash ({@code hash}) or, for local
 * development, the key itself ({@code key}), hashed at load and never kept.
 *
 * @param models   the models this key may call (null = every model of its tenant)
 * @param imported a key issued elsewhere (another gateway's {@code sk-...}), not shaped like a
 *                 Warden key: it carries no id, so it is found by its keyed hash
 */
public record KeyConfig(String id, Role role, List<String> models, String hash, String key, boolean imported) {
    public KeyConfig {
        models = models == null ? null : List.copyOf(models);
    }

    @Override
    public String toString() {
        return "KeyConfig[id=" + id + ", role=" + role.id() + ", models=" + models
                + ", hash=" + (hash == null ? "none" : "<redacted>") + ", key=" + (key == null ? "none" : "<redacted>")
                + (imported ? ", imported" : "") + "]";
    }
}
