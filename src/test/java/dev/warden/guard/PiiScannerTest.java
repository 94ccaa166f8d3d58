package dev.warden.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.config.PiiKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each kind found where it is, with its check, and not where only its shape is. */
class PiiScannerTest {
    private static final Set<PiiKind> ALL = EnumSet.allOf(PiiKind.class);

    private static List<String> found(String text) {
        return PiiScanner.scan(text, ALL).stream().map(h -> h.kind().id() + ":" + text.substring(h.start(), h.end())).toList();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "write to jane.doe+x@example.co.uk today|email:jane.doe+x@example.co.uk",
        "card 4111 1111 1111 1111 exp 12/29|card:4111 1111 1111 1111",
        "card 4111-1111-1111-1111.|card:4111-1111-1111-1111",
        "card 4111111111111111, thanks|card:4111111111111111",
        "amex 378282246310005|card:378282246310005",
        "iban DE89 3704 0044 0532 0130 00 please|iban:DE89 3704 0044 0532 0130 00",
        "iban GB82WEST12345698765432|iban:GB82WEST12345698765432",
        "ssn 123-45-6789|ssn:123-45-6789",
        "from 192.168.10.254 to|ip:192.168.10.254",
        "v6 2001:db8::8a2e:370:7334 ok|ip:2001:db8::8a2e:370:7334",
        "call +44 20 7946 0958 now|phone:+44 20 7946 0958",
        "call (555) 123-4567 now|phone:(555) 123-4567",
        "key sk-proj-abcdefghijklmnopqrstuvwx1234|secret:sk-proj-abcdefghijklmnopqrstuvwx1234",
        "aws AKIAIOSFODNN7EXAMPLE here|secret:AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN RSA PRIVATE KEY-----|secret:-----BEGIN RSA PRIVATE KEY-----",
    })
    void eachKindIsFound(String text, String expected) {
        assertThat(found(text)).containsExactly(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "card 4111 1111 1111 1112 (Luhn fails)",
        "a 20-digit id 41111111111111111111",
        "iban DE89 3704 0044 0532 0130 01 (checksum fails)",
        "ssn 000-12-3456 and 666-12-3456 and 912-34-5678 never issued",
        "version 1.2.3.4.5 and 999.1.1.1",
        "the date 2026-12-06 and 12:30",
        "an ordinary sentence with no data at all",
    })
    void shapesThatFailTheirCheckAreNotFound(String text) {
        assertThat(found(text)).isEmpty();
    }

    @Test
    void aCardNumberIsACardNotAPhoneAndHitsDoNotOverlap() {
        assertThat(found("pay 4111111111111111 or call 020 7946 0958, mail a@b.io"))
                .containsExactly("card:4111111111111111", "phone:020 7946 0958", "email:a@b.io");
        assertThat(PiiScanner.scan("4111111111111111", Set.of(PiiKind.CARD))).as("only the kinds asked for").hasSize(1);
        assertThat(PiiScanner.scan("4111111111111111 and 1796577228", Set.of(PiiKind.PHONE))).as("bare runs of digits are no phones")
                .isEmpty();
        assertThat(PiiScanner.scan("4111111111111111", Set.of(PiiKind.EMAIL))).isEmpty();
    }

    @Test
    void checks() {
        assertThat(PiiScanner.luhn("79927398713")).as("too short for a card").isFalse();
        assertThat(PiiScanner.luhn("4012888888881881")).isTrue();
        assertThat(PiiScanner.iban("NL91ABNA0417164300")).isTrue();
        assertThat(PiiScanner.iban("NL91ABNA0417164301")).isFalse();
    }
}
