#!/bin/sh
# Run once by the postgres image's entrypoint on a new primary: let the streaming replica
# (docker-compose.yml, profile "replica") connect for replication with the app's password.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
