package dev.warden.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.config.ModelConfig;
import dev.warden.config.PredictCost;
import dev.warden.config.Price;
import dev.warden.config.Tenant;
import dev.warden.config.TenantStatus;
import dev.warden.config.TierConfig;
import dev.warden.exchange.CostEstimate;
import dev.warden.exchange.RequestBody;
import dev.warden.pipeline.Operation;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The worst-case cost of a request, from its real token count and its output cap. */
class CostEstimatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelConfig MODEL = new ModelConfig("gpt-sim", "main", "gpt-sim", "cl100k_base", 64, 1000,
            new Price(500, 1500), 4, null, 50, null);
    private static final Tenant GOLD = tenant(0);

    private static Tenant tenant(int tierCap) {
        return new Tenant("acme", new TierConfig("t", "", tierCap), true, Set.of(), Set.of("gpt-sim"), TenantStatus.ACTIVE);
    }

    private static RequestBody body(String json) throws Exception {
        JsonNode tree = JSON.readTree(json);
        Map<String, JsonNode> fields = new HashMap<>();
        for (String f : RequestBody.READ_FIELDS) {
            if (tree.has(f)) {
                fields.put(f, tree.get(f));
            }
        }
        return new RequestBody(Buffer.buffer(json), fields);
    }

    private static CostEstimator.Result chat(String json, Tenant t) throws Exception {
        return CostEstimator.estimate(Operation.CHAT_COMPLETIONS, body(json), MODEL, t);
    }

    @Test
    void whereNothingChargesTokensAnUpperBoundStandsInForTheCount() throws Exception {
        String json = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}";
        CostEstimator.Result counted = CostEstimator.estimate(Operation.CHAT_COMPLETIONS, body(json), MODEL, GOLD, 0, true);
        CostEstimator.Result bounded = CostEstimator.estimate(Operation.CHAT_COMPLETIONS, body(json), MODEL, GOLD, 0, false);
        assertThat(counted.inputBounded()).isFalse();
        assertThat(bounded.inputBounded()).isTrue();
        assertThat(bounded.estimate().inputTokens()).as("the bound: bytes, never fewer than tokens")
                .isGreaterThan(counted.estimate().inputTokens());
        assertThat(CostEstimator.exactPrompt(Operation.CHAT_COMPLETIONS, body(json), MODEL, 0))
                .as("the count, for an answer that reports no usage").isEqualTo(counted.estimate().inputTokens());
    }

    @Test
    void aBoundOverTheModelsPromptCapIsReplacedByTheCountSoNothingIsRefusedForIt() throws Exception {
        // 48 bytes of text: its bound passes the model's 50 input tokens, its count (~15) does not
        String json = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "hello ".repeat(8) + "\"}]}";
        CostEstimator.Result r = CostEstimator.estimate(Operation.CHAT_COMPLETIONS, body(json), MODEL, GOLD, 0, false);
        assertThat(r.error()).isNull();
        assertThat(r.inputBounded()).isFalse();
        assertThat(r.estimate().inputTokens()).isEqualTo(chat(json, GOLD).estimate().inputTokens()).isLessThanOrEqualTo(50);
    }

    @Test
    void theBoundIsNeverBelowTheCountInAnyScript() {
        String[] samples = {"hello world", "naïve café", "日本語のテキストです", "🙂🙃 emoji 👍🏽", "mixed: Ω≈ç√∫ and \u0000 nul",
            " leading and trailing spaces ", "x".repeat(500), "ab12" + "€".repeat(40)};
        java.util.Random random = new java.util.Random(7);
        for (String encoding : new String[] {"cl100k_base", "o200k_base", "p50k_base"}) {
            TokenCounter c = new TokenCounter(encoding);
            for (String s : samples) {
                assertThat(c.bounding().text(s)).as("%s: %s", encoding, s).isGreaterThanOrEqualTo(c.text(s));
            }
            for (int i = 0; i < 500; i++) {
                StringBuilder sb = new StringBuilder();
                for (int k = random.nextInt(40); k > 0; k--) {
                    sb.appendCodePoint(random.nextInt(4) == 0 ? 0x1F300 + random.nextInt(200) : random.nextInt(0x3000));
                }
                String s = sb.toString();
                assertThat(c.bounding().text(s)).as("%s: random %s", encoding, s).isGreaterThanOrEqualTo(c.text(s));
            }
        }
    }

    @Test
    void theEncodingCountsRealTokens() {
        TokenCounter c = new TokenCounter("cl100k_base");
        assertThat(c.text("hello world")).isEqualTo(2);
        assertThat(c.text("")).isZero();
        // special-token text is counted as text, never taken as a control token
        assertThat(c.text("<|endoftext|>")).isGreaterThan(1);
        assertThat(new TokenCounter("o200k_base").text("hello world")).isEqualTo(2);
    }

    @Test
    void aMessagesRoleCountsWhatTheEncodingSaysWhetherItIsAKnownRoleOrNot() throws Exception {
        for (String encoding : new String[] {"cl100k_base", "o200k_base", "p50k_base"}) {
            TokenCounter c = new TokenCounter(encoding);
            for (String role : new String[] {"system", "developer", "user", "assistant", "tool", "function", "narrator", "User"}) {
                var messages = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree("[{\"role\":\"" + role + "\",\"content\":\"hi there\"}]");
                assertThat(c.chat(messages, null)).as(encoding + " " + role)
                        .isEqualTo(TokenCounter.REPLY_PRIMING + TokenCounter.PER_MESSAGE + c.text(role) + c.text("hi there"));
            }
        }
    }

    @Test
    void aChatCostsItsMessagesItsCappedOutputAndItsPrice() throws Exception {
        CostEstimate e = chat("{\"model\":\"gpt-sim\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}", GOLD)
                .estimate();
        // 3 (reply priming) + 3 (message) + 1 ("user") + 2 ("hello world")
        assertThat(e.inputTokens()).isEqualTo(9);
        assertThat(e.outputTokens()).isEqualTo(10);
        assertThat(e.costMicros()).isEqualTo(Math.ceilDiv(9 * 500 + 10 * 1500, 1000)); // 20 (19.5 rounded up)
        assertThat(e.computeUnits()).isEqualTo((9 + 10) * 4);
        assertThat(e.capAbsent()).isFalse();
    }

    @Test
    void theOutputCapIsTheSmallestOfRequestTierAndModelAndIsSetWhenAbsent() throws Exception {
        String prompt = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertThat(chat("{\"max_tokens\":5000" + prompt, GOLD).estimate().outputCap()).isEqualTo(1000);
        assertThat(chat("{\"max_tokens\":5000" + prompt, tenant(300)).estimate().outputCap()).isEqualTo(300);
        assertThat(chat("{\"max_tokens\":40,\"max_completion_tokens\":30" + prompt, GOLD).estimate().outputCap()).isEqualTo(30);
        CostEstimate absent = chat("{\"model\":\"gpt-sim\"" + prompt, GOLD).estimate();
        assertThat(absent.outputCap()).isEqualTo(64);
        assertThat(absent.capAbsent()).isTrue();
        assertThat(chat("{\"model\":\"gpt-sim\"" + prompt, tenant(20)).estimate().outputCap()).isEqualTo(20);
        assertThat(chat("{\"n\":3,\"max_tokens\":10" + prompt, GOLD).estimate().outputTokens()).isEqualTo(30);
    }

    @Test
    void malformedLimitsAndOversizedPromptsAreRefused() throws Exception {
        String prompt = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (String bad : new String[] {"{\"max_tokens\":0", "{\"max_tokens\":-1", "{\"max_tokens\":1.5", "{\"max_tokens\":\"10\"",
                "{\"n\":0", "{\"n\":17", "{\"n\":\"2\"", "{\"n\":2.0"}) {
            CostEstimator.Result r = chat(bad + prompt, GOLD);
            assertThat(r.error()).as(bad).isNotNull();
            assertThat(r.error().status()).isEqualTo(400);
        }
        String longText = "word ".repeat(60);
        CostEstimator.Result big = chat("{\"messages\":[{\"role\":\"user\",\"content\":\"" + longText + "\"}]}", GOLD);
        assertThat(big.error().code().code()).isEqualTo("prompt_too_large");
        assertThat(big.error().status()).isEqualTo(413);
    }

    @Test
    void partsToolsPromptsAndInputsAreCounted() throws Exception {
        CostEstimate parts = chat("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello world\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x\"}}]}]}", tenant(0)).estimate();
        assertThat(parts).isNull(); // 765 for the image is above this model's 50-token context
        ModelConfig wide = new ModelConfig("gpt-sim", "main", "gpt-sim", "cl100k_base", 64, 1000, new Price(0, 0), 1, null, 10_000, null);
        assertThat(CostEstimator.estimate(Operation.CHAT_COMPLETIONS, body("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"hello world\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x\"}}]}]}"), wide, GOLD)
                .estimate().inputTokens()).isEqualTo(3 + 3 + 1 + 2 + TokenCounter.NON_TEXT_PART);
        long withTools = CostEstimator.estimate(Operation.CHAT_COMPLETIONS, body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}]}"), wide, GOLD).estimate().inputTokens();
        long without = CostEstimator.estimate(Operation.CHAT_COMPLETIONS, body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                wide, GOLD).estimate().inputTokens();
        assertThat(withTools).isGreaterThan(without + 5);
        assertThat(CostEstimator.estimate(Operation.COMPLETIONS, body("{\"prompt\":[\"hello world\",\"hello\"]}"), wide, GOLD)
                .estimate().inputTokens()).isEqualTo(3);
        assertThat(CostEstimator.estimate(Operation.COMPLETIONS, body("{\"prompt\":[1,2,3]}"), wide, GOLD).estimate().inputTokens())
                .isEqualTo(3);
        CostEstimate embed = CostEstimator.estimate(Operation.EMBEDDINGS, body("{\"input\":\"hello world\"}"), wide, GOLD).estimate();
        assertThat(embed.inputTokens()).isEqualTo(2);
        assertThat(embed.outputTokens()).isZero();
        assertThat(embed.capAbsent()).as("no output, nothing to set").isFalse();
    }

    @Test
    void computeUnitsAreTokensTimesTheWeightRoundedUpWithoutFloatingPointDrift() {
        ModelConfig light = new ModelConfig("m", "main", "m", "cl100k_base", 64, 1000, Price.FREE, 0.1, null, 10_000, null);
        assertThat(light.computeUnits(30)).isEqualTo(3); // 30 x 0.1 is 3.0000000000000004 in doubles
        assertThat(light.computeUnits(31)).isEqualTo(4);
        ModelConfig heavy = new ModelConfig("m", "main", "m", "cl100k_base", 64, 1000, Price.FREE, 2.5, null, 10_000, null);
        assertThat(heavy.computeUnits(3)).isEqualTo(8);
        assertThat(heavy.computeUnits(Long.MAX_VALUE / 2)).as("saturates, never wraps").isEqualTo(Long.MAX_VALUE / 4);
    }

    @Test
    void aPredictCallCostsItsModelsDeclaredComputeAndPricePerCallItemAndKiB() throws Exception {
        PredictCost cost = new PredictCost("/v1/models/{model}/predict", new PredictCost.Rates(10, 3, 1),
                new PredictCost.Rates(200, 50, 7));
        ModelConfig scorer = new ModelConfig("scorer", "main", "scorer", "cl100k_base", 64, 1000, Price.FREE, 1, cost, 10_000, null);
        String rows = "{\"instances\":[[1,2],[3,4],[5,6]]}"; // 3 items, 1 started KiB
        CostEstimate e = CostEstimator.estimate(Operation.PREDICT, body(rows), scorer, GOLD).estimate();
        assertThat(e.computeUnits()).isEqualTo(10 + 3 * 3 + 1);
        assertThat(e.costMicros()).isEqualTo(200 + 3 * 50 + 7);
        assertThat(e.inputTokens() + e.outputTokens()).isZero();
        // KServe v2 tensors: the batch is the largest first dimension
        String tensors = "{\"inputs\":[{\"name\":\"x\",\"shape\":[5,4],\"datatype\":\"FP32\",\"data\":[]},"
                + "{\"name\":\"y\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[]}]}";
        assertThat(CostEstimator.estimate(Operation.PREDICT, body(tensors), scorer, GOLD).estimate().costMicros()).isEqualTo(200 + 5 * 50 + 7);
        String big = "{\"instances\":[\"" + "x".repeat(3000) + "\"]}"; // 1 item, 3 started KiB
        assertThat(CostEstimator.estimate(Operation.PREDICT, body(big), scorer, GOLD).estimate().computeUnits()).isEqualTo(10 + 3 + 3);
        CostEstimator.Result none = CostEstimator.estimate(Operation.PREDICT, body("{}"), MODEL, GOLD);
        assertThat(none.error().code().code()).as("a model without a predict cost has no predict route").isEqualTo("operation_unsupported");
    }
}
