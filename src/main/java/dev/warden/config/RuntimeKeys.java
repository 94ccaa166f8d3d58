package dev.warden.config;

import java.util.List;

/**
 * Keys issued at run time rather than declared in the file (the demo's fresh keys today; the
 * control store's in the control-plane issue). The snapshot compiler merges them in.
 */
@FunctionalInterface
public interface RuntimeKeys {
    List<ApiKeyRecord> all();

    RuntimeKeys NONE = List::of;
}
