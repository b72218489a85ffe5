# Step-time model of a data-parallel search with R replicas on H hosts (docs/SCALING.md):
#   step(H) = (R / H) * t_r  +  2 * log2(H) * (alpha + S / B)
# t_r: one replica's forward + backward + validation on one host (measured: ms1 / k),
# S: bytes of the flat parameter store, B: link bandwidth, alpha: link latency. The tree sends
# the store once per level up (log2 H levels) and the binomial broadcast once per level down.
# break-even t_r: below it, communication takes longer than the compute of the step.
# Variables: ms1 (ms per step, one host), k (its replicas), params, gbit, alpha (ms),
# veth_ms (optional: one measured 2-host reduction of the store, = 2 transfers).
function table(name, transfer_ms,    h, levels, compute, comm) {
  printf "\n%s: one transfer of the store %.2f ms, latency %.3f ms\n", name, transfer_ms, alpha
  printf "%6s %9s %12s %12s %12s %7s %18s\n", "hosts", "rep/host", "compute ms", "comm ms",
         "step ms", "comm%", "break-even t_r ms"
  for (h = 1; h <= 32; h *= 2) {
    if (h != 1 && h != 4 && h != 8 && h != 32) continue
    levels = log(h) / log(2)
    compute = (R / h) * t_r
    comm = 2 * levels * (alpha + transfer_ms)
    printf "%6d %9d %12.1f %12.1f %12.1f %6.1f%% %18.1f\n", h, R / h, compute, comm, compute + comm,
           100 * comm / (compute + comm), comm / (R / h)
  }
}
BEGIN {
  R = 32
  t_r = ms1 / k
  bytes = 4 * params
  printf "R = %d replicas; t_r = %.1f ms (measured here: %.1f ms/step for %d replicas); store %d floats = %.1f MB\n",
         R, t_r, ms1, k, params, bytes / 1e6
  table(sprintf("%g Gbit/s link", gbit), 1e3 * bytes / (gbit * 1e9 / 8))
  if (veth_ms > 0) table(sprintf("the measured veth link (%.0f MB/s effective)", bytes / 1e3 / (veth_ms / 2)), veth_ms / 2)
}
