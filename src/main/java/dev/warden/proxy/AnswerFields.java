package dev.warden.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.FieldMask;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** Removes the fields a caller's role may not see from an answer, whole or one streamed event's data. */
final class AnswerFields {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AnswerFields() {
    }

    /** A whole JSON answer without the hidden fields (as it was when nothing was removed), or null if it is not JSON. */
    static Buffer strip(Buffer answer, FieldMask hidden) {
        try {
            JsonNode tree = MAPPER.readTree(answer.getBytes());
            if (tree == null) {
                return null;
            }
            return hidden.strip(tree) ? Buffer.buffer(MAPPER.writeValueAsBytes(tree)) : answer;
        } catch (IOException e) {
            return null;
        }
    }

    /** One streamed event's JSON data without the hidden fields, on one line. */
    static String stripChunk(String data, FieldMask hidden) {
        try {
            JsonNode tree = MAPPER.readTree(data);
            return tree != null && hidden.stripChunk(tree) ? tree.toString() : data;
        } catch (IOException e) {
            return data; // checked as valid JSON before: not reached
        }
    }
}
