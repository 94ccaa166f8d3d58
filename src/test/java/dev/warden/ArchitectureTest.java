package dev.warden;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house rules of docs/architecture.md, checked on the compiled classes (so a type written out
 * in full in a method body counts as much as an import): no package cycle, no stage package using
 * another, the shared packages using no stage, and every package placed in one layer on purpose.
 */
class ArchitectureTest {
    /** The words every part of the gateway speaks: errors, the stage contract, config, crypto, egress, the exchange's keys. */
    static final List<String> VOCABULARY = List.of("problem", "pipeline", "config", "crypto", "egress", "exchange");
    /**
     * What stages and planes share: HTTP hygiene, metrics and traces, Redis plumbing, the audit log
     * and ledger, the stores, Warden's own tokens, spend, the providers (their secrets and dialects).
     */
    static final List<String> SHARED = List.of("http", "observe", "redis", "record", "store", "token", "spend", "provider");
    /** One package per room of the request's path; none knows another. */
    static final List<String> STAGES = List.of("tenant", "identity", "access", "body", "guard", "objects", "admission", "routing", "cache", "proxy",
            "jobs");
    /** The admin plane and the simulated model server. */
    static final List<String> PLANES = List.of("admin", "sim");
    /** The wiring: the only package that knows every stage. */
    static final String APP = "app";
    /** Implementations chosen by the wiring alone. */
    static final List<String> IMPLEMENTATIONS = List.of("store.jdbc", "admission.store");

    private static JavaClasses classes;

    @BeforeAll
    static void importMain() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.warden");
    }

    @Test
    void everyPackageHasItsLayer() {
        Set<String> rooms = new TreeSet<>();
        for (JavaClass c : classes) {
            String pkg = c.getPackageName();
            if (pkg.startsWith("dev.warden.")) {
                rooms.add(pkg.substring("dev.warden.".length()).split("\\.")[0]);
            }
        }
        Set<String> placed = new TreeSet<>();
        Stream.of(VOCABULARY, SHARED, STAGES, PLANES, List.of(APP)).forEach(placed::addAll);
        assertThat(rooms).as("a new package is placed in a layer here and in docs/architecture.md").isEqualTo(placed);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.warden.(**)").should().beFreeOfCycles().check(classes);
        slices().matching("dev.warden.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void noStageUsesAnotherStageAPlaneOrTheWiring() {
        for (String stage : STAGES) {
            List<String> forbidden = new ArrayList<>();
            STAGES.stream().filter(s -> !s.equals(stage)).forEach(s -> forbidden.add(room(s)));
            PLANES.forEach(p -> forbidden.add(room(p)));
            forbidden.add(room(APP));
            noClasses().that().resideInAPackage(room(stage))
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                    .because("stages share only the vocabulary and the shared packages; app alone knows them all")
                    .check(classes);
        }
    }

    @Test
    void sharedPackagesUseNoStagePlaneOrWiring() {
        List<String> above = new ArrayList<>();
        Stream.of(STAGES, PLANES, List.of(APP)).flatMap(List::stream).forEach(p -> above.add(room(p)));
        noClasses().that().resideInAnyPackage(rooms(VOCABULARY, SHARED))
                .should().dependOnClassesThat().resideInAnyPackage(above.toArray(String[]::new))
                .check(classes);
        noClasses().that().resideInAnyPackage(rooms(VOCABULARY))
                .should().dependOnClassesThat().resideInAnyPackage(rooms(SHARED))
                .because("the vocabulary is the bottom layer")
                .check(classes);
    }

    @Test
    void planesStayApart() {
        noClasses().that().resideInAPackage(room("admin")).should().dependOnClassesThat()
                .resideInAnyPackage(room("sim"), room(APP)).check(classes);
        noClasses().that().resideInAPackage(room("sim")).should().dependOnClassesThat()
                .resideInAnyPackage(room("admin"), room(APP)).check(classes);
    }

    @Test
    void implementationsAreChosenByTheWiringOnly() {
        for (String impl : IMPLEMENTATIONS) {
            String parent = "dev.warden." + impl.substring(0, impl.indexOf('.'));
            noClasses().that().resideOutsideOfPackages(room(APP), room(impl), "dev.warden")
                    .should().dependOnClassesThat().resideInAPackage(room(impl))
                    .because("the port lives in " + parent + ", the implementation is picked in app")
                    .check(classes);
        }
    }

    private static String room(String name) {
        return "dev.warden." + name + "..";
    }

    @SafeVarargs
    private static String[] rooms(List<String>... layers) {
        return Stream.of(layers).flatMap(List::stream).map(ArchitectureTest::room).toArray(String[]::new);
    }
}
