#!/usr/bin/env bash
# Runs an MPI job on two "hosts": two network namespaces joined by a veth pair, Open MPI over
# TCP between them, launched through `ip netns exec` instead of ssh (each host also gets its
# own UTS namespace, so its own host name). Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN).
#   two_hosts.sh MPIEXEC PROGRAM ARGS...   runs PROGRAM with one rank per host
set -euo pipefail
mpiexec=$1
shift
tag=tunas$$
ns_a=${tag}a
ns_b=${tag}b
work=$(mktemp -d)
cleanup() {
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! ip netns add "$ns_a" 2>"$work/err" || ! ip netns add "$ns_b" 2>>"$work/err"; then
  echo "cannot create network namespaces here ($(tr '\n' ' ' <"$work/err")); run as root on Linux"
  exit 77
fi
if ! ip link add "${tag}x" type veth peer name "${tag}y" 2>"$work/err"; then
  echo "cannot create a veth pair ($(tr '\n' ' ' <"$work/err"))"
  exit 77
fi
if ! ip netns exec "$ns_a" unshare --uts true 2>"$work/err"; then
  echo "cannot enter a network namespace with its own host name ($(tr '\n' ' ' <"$work/err"))"
  exit 77
fi
ip link set "${tag}x" netns "$ns_a"
ip link set "${tag}y" netns "$ns_b"
ip -n "$ns_a" addr add 10.231.0.1/24 dev "${tag}x"
ip -n "$ns_b" addr add 10.231.0.2/24 dev "${tag}y"
for ns in "$ns_a" "$ns_b"; do
  ip -n "$ns" link set lo up
done
ip -n "$ns_a" link set "${tag}x" up
ip -n "$ns_b" link set "${tag}y" up

# The "ssh" of Open MPI: run the remote daemon's command line inside host B's namespaces.
cat >"$work/agent" <<AGENT
#!/bin/sh
while [ "\${1#-}" != "\$1" ]; do shift; done  # ssh-style options, if any
shift                                         # the host name
exec ip netns exec $ns_b unshare --uts sh -c "hostname tunas-host-b; \$*"
AGENT
chmod +x "$work/agent"
printf '10.231.0.1 slots=1\n10.231.0.2 slots=1\n' >"$work/hostfile"

root=()
[ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
status=0
ip netns exec "$ns_a" unshare --uts sh -c 'hostname tunas-host-a; exec "$@"' sh \
  "$mpiexec" "${root[@]}" -np 2 --hostfile "$work/hostfile" --map-by node \
  --mca plm_rsh_agent "$work/agent" --mca plm_rsh_no_tree_spawn 1 \
  --mca btl tcp,self --mca btl_tcp_if_include 10.231.0.0/24 --mca oob_tcp_if_include 10.231.0.0/24 \
  "$@" || status=$?
exit "$status"  # after the EXIT trap has removed the namespaces
