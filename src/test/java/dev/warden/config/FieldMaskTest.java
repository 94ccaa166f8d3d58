package dev.warden.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Paths walk objects and every element of arrays; a message path covers a stream's delta; nothing else is touched. */
class FieldMaskTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode tree(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void removesNamedFieldsInObjectsAndInEveryElementOfArrays() throws Exception {
        FieldMask m = new FieldMask(List.of("usage", "choices[].logprobs", "choices[].message.tool_calls", "data[]"));
        JsonNode t = tree("{\"id\":\"x\",\"usage\":{\"a\":1},\"data\":[1,2],\"choices\":[{\"logprobs\":{},\"message\":{\"content\":\"hi\","
                + "\"tool_calls\":[]}},{\"logprobs\":null,\"message\":{\"content\":\"yo\"}}]}");
        assertThat(m.strip(t)).isTrue();
        assertThat(t.toString()).isEqualTo("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hi\"}},{\"message\":{\"content\":\"yo\"}}]}");
        assertThat(m.strip(t)).as("nothing left to remove").isFalse();
    }

    @Test
    void aMessagePathAlsoCoversAStreamsDeltaAndShapesThatDoNotFitAreLeftAlone() throws Exception {
        FieldMask m = new FieldMask(List.of("choices[].message.tool_calls"));
        JsonNode chunk = tree("{\"choices\":[{\"delta\":{\"tool_calls\":[{}],\"content\":null}}]}");
        assertThat(m.strip(chunk)).isFalse();
        assertThat(m.stripChunk(chunk)).isTrue();
        assertThat(chunk.toString()).isEqualTo("{\"choices\":[{\"delta\":{\"content\":null}}]}");
        JsonNode odd = tree("{\"choices\":{\"message\":1}}");
        assertThat(m.stripChunk(odd)).isFalse();
        assertThat(odd.toString()).isEqualTo("{\"choices\":{\"message\":1}}");
    }

    @Test
    void onlyPlainFieldPathsAreValid() {
        assertThat(FieldMask.valid("choices[].message.tool_calls")).isTrue();
        assertThat(FieldMask.valid("predictions[].debug_info")).isTrue();
        assertThat(FieldMask.valid("a..b")).isFalse();
        assertThat(FieldMask.valid("a[0]")).isFalse();
        assertThat(FieldMask.valid("$.a")).isFalse();
        assertThat(FieldMask.valid("")).isFalse();
    }
}
