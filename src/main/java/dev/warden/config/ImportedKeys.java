package dev.warden.config;
import dev.warden.crypto.ApiKeyFormat;

/**
 * Keys issued elsewhere (another gateway's {@code sk-...}) that tenants keep when they move to
 * Warden. Such a key carries no Warden key id, so it is found by its keyed hash; only that hash is
 * kept, like every key. What may be imported is bounded so a weak or ambiguous value is refused
 * at load rather than accepted as a credential.
 */
public final class ImportedKeys {
    public static final int MIN_LENGTH = 16;
    public static final int MAX_LENGTH = 256;

    private ImportedKeys() {
    }

    /** Why {@code key} cannot be imported, or null if it can. */
    public static String problem(String key) {
        if (key.length() < MIN_LENGTH || key.length() > MAX_LENGTH) {
            return key.length() + " characters (expected: " + MIN_LENGTH + " to " + MAX_LENGTH + ")";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return "only visible ASCII characters, no spaces, may appear in an imported key";
            }
        }
        if (key.startsWith(ApiKeyFormat.PREFIX)) {
            return "a Warden key (" + ApiKeyFormat.PREFIX + "...) is declared without 'imported'";
        }
        // the shape identity's TenantTokenVerifier.looksLikeJwt reads as a token (config sits below identity)
        if (key.startsWith("eyJ") && key.chars().filter(c -> c == '.').count() == 2) {
            return "shaped like a JWT: it would be read as a token of the tenant's identity provider";
        }
        return null;
    }
}
