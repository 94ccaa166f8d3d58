package dev.warden.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each claim Warden reads has one JSON type: the well-typed claims pass, and each other type of
 * each claim is named as the one mistyped. (Through real tokens: {@code TenantTokenTest},
 * {@code IntrospectionTest}, {@code AdminJwtTest}.)
 */
class ClaimTypesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ClaimTypes.Type> POLICY = ClaimTypes.mapped("email", "groups", "org");
    private static final String GOOD = """
            {"iss":"https://idp","sub":"u1","aud":["warden"],"exp":1900000000,"nbf":1,"iat":1700000000,"auth_time":1700000000,
             "jti":"j","amr":["pwd","hwk"],"acr":"loa3","cnf":{"x5t#S256":"abc"},"act":{"sub":"svc"},"scope":"chat read",
             "client_id":"c","username":"u","token_type":"Bearer","active":true,"email":"u@x","groups":["developer"],"org":"acme",
             "unread":{"any":[1,"thing"]}}""";

    private static String mistyped(String json, Map<String, ClaimTypes.Type> mapped) throws Exception {
        return ClaimTypes.mistyped(JSON.readTree(json), mapped);
    }

    private static String replace(String claim, String raw) throws Exception {
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(GOOD);
        node.set(claim, JSON.readTree(raw));
        return node.toString();
    }

    @Test
    void wellTypedClaimsPassAndClaimsWardenDoesNotReadAreNotLookedAt() throws Exception {
        assertThat(mistyped(GOOD, POLICY)).isNull();
        assertThat(mistyped(replace("aud", "\"warden\""), POLICY)).as("aud: a string or an array of strings").isNull();
        assertThat(mistyped(replace("scope", "\"chat\""), ClaimTypes.mapped("sub", "scope", null)))
                .as("roles read from scope: its space-separated string").isNull();
    }

    @Test
    void everyOtherTypeOfEveryClaimIsNamed() throws Exception {
        String[][] cases = {
            {"iss", "1"}, {"iss", "[\"https://idp\"]"}, {"sub", "1"}, {"sub", "null"}, {"aud", "1"}, {"aud", "[\"warden\",1]"},
            {"aud", "{}"}, {"exp", "\"1900000000\""}, {"exp", "1900000000.5"}, {"exp", "1.9e9"}, {"exp", "-1"},
            {"exp", "99999999999999"}, {"exp", "true"}, {"nbf", "null"}, {"iat", "[1700000000]"}, {"auth_time", "\"1\""},
            {"jti", "1"}, {"amr", "\"pwd\""}, {"amr", "[\"pwd\",2]"}, {"acr", "3"}, {"cnf", "\"abc\""}, {"cnf", "{\"x5t#S256\":1}"},
            {"act", "\"svc\""}, {"act", "{\"sub\":[\"svc\"]}"}, {"scope", "[\"chat\"]"}, {"client_id", "{}"}, {"username", "1"},
            {"token_type", "null"}, {"active", "\"true\""}, {"active", "1"},
            {"email", "[\"u@x\"]"}, {"groups", "\"developer\""}, {"groups", "[[\"developer\"]]"}, {"org", "[\"acme\"]"},
        };
        for (String[] c : cases) {
            assertThat(mistyped(replace(c[0], c[1]), POLICY)).as("%s: %s", c[0], c[1]).isEqualTo(c[0]);
        }
        assertThat(mistyped("[1]", POLICY)).as("claims that are not an object").isEqualTo("claims");
    }
}
