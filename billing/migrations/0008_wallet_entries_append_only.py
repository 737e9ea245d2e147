"""Wallet entries are append-only, like the ledger: on PostgreSQL a trigger refuses UPDATE
and DELETE of their rows (the balance is their sum; nothing may rewrite history)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION billing_wallet_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'billing_walletentry is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_wallet_entry_append_only
    BEFORE UPDATE OR DELETE ON billing_walletentry
    FOR EACH ROW EXECUTE FUNCTION billing_wallet_entry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS billing_wallet_entry_append_only ON billing_walletentry;
DROP FUNCTION IF EXISTS billing_wallet_entry_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_wallet_top_ups_credits")]
    operations = [migrations.RunPython(forwards, backwards)]
