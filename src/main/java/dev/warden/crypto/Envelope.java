package dev.warden.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption of what Warden stores: each value is encrypted (AES-256-GCM) under a fresh
 * data key, and that data key under the ring's current key-encryption key (KEK). The sealed form
 * names its KEK by id, so a ring may keep older KEKs for reading while values are re-wrapped under
 * the new one: rotating a KEK re-encrypts 32-byte data keys, never the data. The associated data
 * binds a value to where it belongs (a tenant's payload moved to another tenant's row, or one
 * secret file copied over another, does not open).
 *
 * <p>Sealed form: {@code wenc1.<kekId>.<wrapped data key>.<ciphertext>}, each part base64url of
 * {@code nonce | ciphertext | tag}.
 */
public final class Envelope {
    public static final String PREFIX = "wenc1.";
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

    private final Map<String, SecretKey> keks;
    private final String current;

    /** Why a sealed value does not open: no KEK of that id in the ring, or it is not what was sealed here. */
    public static final class SealedException extends Exception {
        SealedException(String message) {
            super(message);
        }
    }

    /** {@code ring}: KEK id -> 32 bytes, the first the current one (new values are sealed under it). */
    public Envelope(Map<String, byte[]> ring) {
        if (ring.isEmpty()) {
            throw new IllegalArgumentException("a key ring needs at least one key");
        }
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        ring.forEach((id, key) -> {
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("key id '" + id + "' (expected: 1..32 of [a-z0-9-])");
            }
            if (key.length != 32) {
                throw new IllegalArgumentException("key '" + id + "': " + key.length + " bytes (expected: 32, AES-256)");
            }
            keys.put(id, new SecretKeySpec(key.clone(), "AES"));
        });
        this.keks = Map.copyOf(keys);
        this.current = keys.keySet().iterator().next();
    }

    /** The id of the KEK new values are sealed under. */
    public String currentId() {
        return current;
    }

    /** The KEK ids of the ring, the current one first. */
    public List<String> ids() {
        List<String> out = new ArrayList<>();
        out.add(current);
        keks.keySet().stream().filter(k -> !k.equals(current)).sorted().forEach(out::add);
        return out;
    }

    public static boolean isSealed(String value) {
        return value != null && value.startsWith(PREFIX);
    }

    /** Seals {@code plain} for the place {@code aad} names. */
    public String seal(byte[] plain, String aad) {
        byte[] dek = new byte[32];
        RANDOM.nextBytes(dek);
        try {
            byte[] wrapped = gcm(Cipher.ENCRYPT_MODE, keks.get(current), null, dek, wrapAad(current, aad));
            byte[] body = gcm(Cipher.ENCRYPT_MODE, new SecretKeySpec(dek, "AES"), null, plain, aad.getBytes(StandardCharsets.UTF_8));
            return PREFIX + current + "." + B64.encodeToString(wrapped) + "." + B64.encodeToString(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    public String seal(String plain, String aad) {
        return seal(plain.getBytes(StandardCharsets.UTF_8), aad);
    }

    /** Opens a value sealed for {@code aad}. */
    public byte[] open(String sealed, String aad) throws SealedException {
        Parts p = parts(sealed);
        byte[] dek = unwrap(p, aad);
        try {
            return gcm(Cipher.DECRYPT_MODE, new SecretKeySpec(dek, "AES"), p.body, null, aad.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new SealedException("the sealed value does not open here (altered, or sealed for another place)");
        }
    }

    public String openText(String sealed, String aad) throws SealedException {
        return new String(open(sealed, aad), StandardCharsets.UTF_8);
    }

    /** The same value with its data key wrapped under the current KEK (as it is when already so). */
    public String rewrap(String sealed, String aad) throws SealedException {
        Parts p = parts(sealed);
        if (p.kek.equals(current)) {
            return sealed;
        }
        byte[] dek = unwrap(p, aad);
        try {
            byte[] wrapped = gcm(Cipher.ENCRYPT_MODE, keks.get(current), null, dek, wrapAad(current, aad));
            return PREFIX + current + "." + B64.encodeToString(wrapped) + "." + sealed.substring(sealed.lastIndexOf('.') + 1);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** The id of the KEK a sealed value's data key is wrapped under. */
    public static String kekOf(String sealed) throws SealedException {
        return parts(sealed).kek;
    }

    private record Parts(String kek, byte[] wrapped, byte[] body) {
    }

    private static Parts parts(String sealed) throws SealedException {
        if (!isSealed(sealed)) {
            throw new SealedException("not a sealed value");
        }
        String[] s = sealed.substring(PREFIX.length()).split("\\.", -1);
        if (s.length != 3 || !ID.matcher(s[0]).matches()) {
            throw new SealedException("not a sealed value");
        }
        try {
            return new Parts(s[0], UNB64.decode(s[1]), UNB64.decode(s[2]));
        } catch (IllegalArgumentException e) {
            throw new SealedException("not a sealed value");
        }
    }

    private byte[] unwrap(Parts p, String aad) throws SealedException {
        SecretKey kek = keks.get(p.kek);
        if (kek == null) {
            throw new SealedException("sealed under key '" + p.kek + "', which is not in the key ring (" + String.join(", ", ids()) + ")");
        }
        try {
            return gcm(Cipher.DECRYPT_MODE, kek, p.wrapped, null, wrapAad(p.kek, aad));
        } catch (GeneralSecurityException e) {
            throw new SealedException("the data key does not open under key '" + p.kek + "' (another key of that id, or altered)");
        }
    }

    private static byte[] wrapAad(String kek, String aad) {
        return ("dek|" + kek + "|" + aad).getBytes(StandardCharsets.UTF_8);
    }

    /** Encrypts (nonce drawn, prepended) or decrypts ({@code in}: nonce | ciphertext | tag). */
    private static byte[] gcm(int mode, SecretKey key, byte[] in, byte[] plain, byte[] aad) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        if (mode == Cipher.ENCRYPT_MODE) {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            c.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            byte[] ct = c.doFinal(plain);
            return ByteBuffer.allocate(NONCE + ct.length).put(nonce).put(ct).array();
        }
        if (in.length < NONCE + TAG_BITS / 8) {
            throw new GeneralSecurityException("too short");
        }
        c.init(mode, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
        c.updateAAD(aad);
        return c.doFinal(in, NONCE, in.length - NONCE);
    }
}
