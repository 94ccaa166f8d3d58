package dev.warden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Map;

/**
 * Counts a request's prompt tokens with the model's real BPE encoding (JTokkit; o200k_base by our
 * own {@link O200kCounter}, which gives JTokkit's counts without its regular expression), the way OpenAI
 * documents it for chat: each message costs its fields' tokens plus {@value #PER_MESSAGE}, a
 * {@code name} one more, and the reply is primed with {@value #REPLY_PRIMING}. Special-token text
 * (such as {@code <|endoftext|>}) is counted as ordinary text, never interpreted. Parts the encoding
 * cannot see (an image, audio) count a fixed {@value #NON_TEXT_PART} each; tool definitions and
 * other structured values count their JSON text. Thread-safe.
 */
public final class TokenCounter {
    static final int PER_MESSAGE = 3;
    static final int REPLY_PRIMING = 3;
    static final int NON_TEXT_PART = 765; // a 1024x1024 image at high detail, OpenAI's tiling rule
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Map<String, EncodingType> TYPES = Map.of(
            "cl100k_base", EncodingType.CL100K_BASE, "o200k_base", EncodingType.O200K_BASE, "p50k_base", EncodingType.P50K_BASE,
            "p50k_edit", EncodingType.P50K_EDIT, "r50k_base", EncodingType.R50K_BASE);

    /** JTokkit's encoding, or null for o200k_base, which is counted by our own {@link O200kCounter} (4-5x faster). */
    private final Encoding encoding;
    private final O200kCounter o200k;
    /** Counts each text's UTF-8 bytes instead of its tokens: an upper bound without BPE ({@link #bounding()}). */
    private final boolean bound;
    private final TokenCounter bounding;

    public TokenCounter(String encodingName) {
        EncodingType type = TYPES.get(encodingName);
        if (type == null) {
            throw new IllegalArgumentException("unknown encoding: " + encodingName);
        }
        this.o200k = type == EncodingType.O200K_BASE ? O200kCounter.get() : null;
        this.encoding = o200k == null ? REGISTRY.getEncoding(type) : null;
        this.bound = false;
        this.bounding = new TokenCounter(this);
    }

    private TokenCounter(TokenCounter exact) {
        this.o200k = exact.o200k;
        this.encoding = exact.encoding;
        this.bound = true;
        this.bounding = this;
    }

    /**
     * The same rules with each text's UTF-8 length in place of its token count: never below the
     * real count (every token of a byte-level BPE covers at least one byte), at a fraction of its cost.
     */
    public TokenCounter bounding() {
        return bounding;
    }

    public int text(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        if (bound) {
            return utf8Length(s);
        }
        return o200k != null ? o200k.count(s) : encoding.countTokensOrdinary(s);
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a surrogate pair: 4 bytes
        }
        return n;
    }

    /** A chat request's {@code messages} (and {@code tools}, when present). */
    public long chat(JsonNode messages, JsonNode tools) {
        long n = REPLY_PRIMING;
        if (messages != null && messages.isArray()) {
            for (JsonNode m : messages) {
                n += PER_MESSAGE;
                if (!m.isObject()) {
                    n += structured(m);
                    continue;
                }
                for (var field : m.properties()) {
                    JsonNode v = field.getValue();
                    n += field.getKey().equals("content") ? content(v) : value(v);
                    if (field.getKey().equals("name")) {
                        n += 1;
                    }
                }
            }
        }
        if (tools != null && !tools.isNull()) {
            n += structured(tools);
        }
        return n;
    }

    /**
     * A completion's {@code prompt} or an embedding's {@code input}: a string, an array of
     * strings, an array of token ids, or an array of arrays of token ids.
     */
    public long prompt(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            return 0;
        }
        if (prompt.isTextual()) {
            return text(prompt.textValue());
        }
        if (prompt.isArray()) {
            long n = 0;
            for (JsonNode item : prompt) {
                if (item.isTextual()) {
                    n += text(item.textValue());
                } else if (item.isIntegralNumber()) {
                    n += 1;
                } else if (item.isArray()) {
                    n += item.size();
                } else {
                    n += structured(item);
                }
            }
            return n;
        }
        return structured(prompt);
    }

    private long content(JsonNode content) {
        if (content == null || content.isNull()) {
            return 0;
        }
        if (content.isTextual()) {
            return text(content.textValue());
        }
        if (!content.isArray()) {
            return structured(content);
        }
        long n = 0;
        for (JsonNode part : content) {
            JsonNode t = part.get("text");
            if (t != null && t.isTextual()) {
                n += text(t.textValue());
            } else {
                n += NON_TEXT_PART;
            }
        }
        return n;
    }

    private long value(JsonNode v) {
        return v.isTextual() ? text(v.textValue()) : structured(v);
    }

    private long structured(JsonNode v) {
        return v.isNull() ? 0 : text(v.toString());
    }
}
