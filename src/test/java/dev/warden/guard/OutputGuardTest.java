package dev.warden.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.GuardrailPolicy;
import dev.warden.config.PiiKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A streamed answer checked piece by piece: what is split across pieces is found, each rule reported once. */
class OutputGuardTest {
    private final List<String> reported = new ArrayList<>();

    private OutputGuard guard() {
        return new OutputGuard(new GuardrailPolicy.Output(Map.of(PiiKind.CARD, new GuardrailPolicy.Rule(GuardrailPolicy.Action.BLOCK, false),
                PiiKind.EMAIL, new GuardrailPolicy.Rule(GuardrailPolicy.Action.LOG, false),
                PiiKind.SSN, new GuardrailPolicy.Rule(GuardrailPolicy.Action.BLOCK, true)),
                List.of(new GuardrailPolicy.DenyRule("weapons", Pattern.compile("(?i)build a bomb"), false))),
                List.of(Pattern.compile("4242 4242 4242 4242")),
                (rule, action, shadow) -> reported.add(rule + ":" + action.id() + (shadow ? ":shadow" : "")));
    }

    @Test
    void aCardNumberSplitOverTwoPiecesIsFoundInTheSecond() {
        OutputGuard g = guard();
        assertThat(g.feed("Sure, the card on file is 4111 1111 ")).isNull();
        assertThat(g.feed("1111 1111, as requested.")).isEqualTo("pii.card");
        assertThat(reported).containsExactly("pii.card:block");
    }

    @Test
    void aDenyPatternSplitOverPiecesBlocksAndLoggedOrShadowHitsPassOnceEach() {
        OutputGuard g = guard();
        assertThat(g.feed("write to a@b.io or c@d.io; ssn 123-45-6789")).as("logged and shadow: passed").isNull();
        assertThat(g.feed(" and e@f.io again")).isNull();
        assertThat(reported).as("each rule once per answer").containsExactly("pii.email:log", "pii.ssn:block:shadow");
        assertThat(g.feed("here is how to build a b")).isNull();
        assertThat(g.feed("omb")).isEqualTo("deny.weapons");
    }

    @Test
    void anAllowedSpanHitsNoRule() {
        OutputGuard g = guard();
        assertThat(g.feed("the test card 4242 4242 4242 4242 works")).isNull();
        assertThat(reported).isEmpty();
        assertThat(g.feed(" but 4111 1111 1111 1111 does not")).isEqualTo("pii.card");
    }

    @Test
    void whatWasReportedInTheCarriedTextIsNotNewsAgain() {
        OutputGuard g = guard();
        assertThat(g.feed("mail a@b.io")).isNull();
        for (int i = 0; i < 5; i++) {
            assertThat(g.feed(" more words")).isNull();
        }
        assertThat(reported).containsExactly("pii.email:log");
        assertThat(g.feed("")).isNull();
        assertThat(g.feed(null)).isNull();
    }
}
