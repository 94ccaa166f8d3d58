package dev.warden.admin;

import dev.warden.crypto.Envelope;
import dev.warden.config.Budget;
import dev.warden.config.SnapshotHolder;
import dev.warden.crypto.KeyHasher;
import dev.warden.record.AuditChain;
import dev.warden.record.AuditWriter;
import dev.warden.spend.AlertMonitor;
import dev.warden.store.ControlStore;
import dev.warden.store.StoreSync;
import io.vertx.core.Vertx;
import java.util.function.Predicate;
import java.util.function.ToLongBiFunction;

/**
 * The admin API's resources over the control store, built once: tenants and keys, tenant settings,
 * role bindings, operators, audit, spend and alerts. Absent when Warden runs without a store.
 */
public final class AdminResources {
    final TenantAdmin tenants;
    final TenantSettingsAdmin settings;
    final RoleBindingsAdmin bindings;
    final OperatorAdmin operators;
    final AuditAdmin audit;
    final SpendAdmin spend;
    final PayloadAdmin payloads;

    public AdminResources(Vertx vertx, ControlStore store, StoreSync sync, SnapshotHolder snapshots, KeyHasher hasher,
                          AuditWriter auditWriter, AuditChain chain, AlertMonitor monitor,
                          ToLongBiFunction<String, Budget.Period> reservedMicros, Envelope ring) {
        AdminCalls calls = new AdminCalls(vertx, auditWriter);
        // Blocking (may read the store): only ever called on worker threads.
        Predicate<String> exists = id -> snapshots.current().config().tenants().containsKey(id) || store.tenants().find(id).isPresent();
        this.spend = new SpendAdmin(monitor, exists, calls, reservedMicros);
        RecordFields fields = new RecordFields(snapshots);
        this.tenants = new TenantAdmin(store, sync, snapshots, hasher, calls, exists, spend::budgetsView, fields);
        this.settings = new TenantSettingsAdmin(store, sync, calls, exists, snapshots);
        this.bindings = new RoleBindingsAdmin(store, sync, calls, exists, snapshots);
        this.operators = new OperatorAdmin(store, sync, hasher, calls);
        this.audit = new AuditAdmin(store, chain, calls, fields);
        this.payloads = new PayloadAdmin(store.payloads(), ring, calls, exists);
    }
}
