;; The WebAssembly SIMD kernels of the aggregation rules (WebAssembly 1.0 + fixed-width
;; SIMD). Assembled with wabt's wat2wasm by `npm run build` (test/tools/assemble-wasm.ts)
;; into kernels.wasm beside this file, which kernels.ts loads; a test re-assembles this
;; source and checks the committed bytes.
;;
;; Every pointer is a byte offset into the one imported memory. Lanes are coordinates: each
;; operation is the same for every lane, and no lane depends on another. The float64
;; operations are IEEE-754 binary64, correctly rounded and never fused (WebAssembly SIMD
;; has no FMA): f64x2.promote_low_f32x4 widens float32 exactly and f32x4.demote_f64x2_zero
;; rounds to nearest-even as Math.fround does, so each kernel computes, bit for bit, the
;; scalar JavaScript written beside it.
;;
;; accM(acc, d0..dM-1, n0..nM-1, len, init)       M = 1..4; acc float64[], d float32[],
;;     acc[k] = ((a + n0·d0[k]) + n1·d1[k]) ... + nM-1·dM-1[k]  n float64
;;     where a = +0 if init, else acc[k]: one pass over acc for up to 4 update streams.
;;     (+0, not the first product: 0 + -0 = +0, as the reference loop `acc = 0; acc += ...`.)
;; finish(out, g, acc, total, len) -> i32
;;     out[k] = f32(g[k] + acc[k] / total); returns 1 if any out[k] (padding lanes
;;     included) is not finite, else 0.
;;     `len` counts float lanes, a multiple of 4 (callers round up; extra lanes ignored).
;;
;; network(base, pairs, count, bytes)
;;     for each of `count` comparators (i32 byte offsets a, b at pairs + 8c, relative to
;;     base), in order: rows a and b over `bytes` bytes (float32 lanes, multiple of 32)
;;     become b < a ? b : a and a < b ? b : a lane by lane (f32x4.pmin, f32x4.pmax): the
;;     minimum and maximum of finite values, except that zeros of opposite signs become two
;;     copies of a's zero. A sorting network applied to all lanes at once.
;; gram4x2(a0, a1, a2, a3, b0, b1, acc, accStride, bytes)
;;     for float64 rows a_r, b_s over `bytes` bytes (multiple of 16) and float64x2
;;     accumulators at acc + r·accStride + s·16: acc_rs += a_r[k]·b_s[k], lane by lane,
;;     k ascending; lane 0 takes the even coordinates, lane 1 the odd ones. Loaded at the
;;     start and stored at the end, so running it chunk by chunk (chunks of even length)
;;     performs the same additions in the same order as one run over everything.
(module
  (import "env" "memory" (memory 1))

  ;; Four lanes per iteration: two f64x2 halves, each fed by a 64-bit load of two float32
  ;; of every stream.
  (func (export "acc1")
    (param $acc i32) (param $d0 i32) (param $n0 f64) (param $len i32) (param $init i32)
    (local $end i32) (local $v0 v128)
    (local.set $v0 (f64x2.splat (local.get $n0)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $len) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (v128.store offset=0 (local.get $acc)
          (f64x2.add
            (select (v128.const i64x2 0 0) (v128.load offset=0 (local.get $acc)) (local.get $init))
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d0))) (local.get $v0))))
        (v128.store offset=16 (local.get $acc)
          (f64x2.add
            (select (v128.const i64x2 0 0) (v128.load offset=16 (local.get $acc)) (local.get $init))
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d0))) (local.get $v0))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 32)))
        (local.set $d0 (i32.add (local.get $d0) (i32.const 16)))
        (br $next))))

  (func (export "acc2")
    (param $acc i32) (param $d0 i32) (param $d1 i32) (param $n0 f64) (param $n1 f64) (param $len i32) (param $init i32)
    (local $end i32) (local $v0 v128) (local $v1 v128)
    (local.set $v0 (f64x2.splat (local.get $n0)))
    (local.set $v1 (f64x2.splat (local.get $n1)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $len) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (v128.store offset=0 (local.get $acc)
          (f64x2.add
            (f64x2.add
              (select (v128.const i64x2 0 0) (v128.load offset=0 (local.get $acc)) (local.get $init))
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d0))) (local.get $v0)))
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d1))) (local.get $v1))))
        (v128.store offset=16 (local.get $acc)
          (f64x2.add
            (f64x2.add
              (select (v128.const i64x2 0 0) (v128.load offset=16 (local.get $acc)) (local.get $init))
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d0))) (local.get $v0)))
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d1))) (local.get $v1))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 32)))
        (local.set $d0 (i32.add (local.get $d0) (i32.const 16)))
        (local.set $d1 (i32.add (local.get $d1) (i32.const 16)))
        (br $next))))

  (func (export "acc3")
    (param $acc i32) (param $d0 i32) (param $d1 i32) (param $d2 i32) (param $n0 f64) (param $n1 f64) (param $n2 f64) (param $len i32) (param $init i32)
    (local $end i32) (local $v0 v128) (local $v1 v128) (local $v2 v128)
    (local.set $v0 (f64x2.splat (local.get $n0)))
    (local.set $v1 (f64x2.splat (local.get $n1)))
    (local.set $v2 (f64x2.splat (local.get $n2)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $len) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (v128.store offset=0 (local.get $acc)
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (select (v128.const i64x2 0 0) (v128.load offset=0 (local.get $acc)) (local.get $init))
                (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d0))) (local.get $v0)))
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d1))) (local.get $v1)))
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d2))) (local.get $v2))))
        (v128.store offset=16 (local.get $acc)
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (select (v128.const i64x2 0 0) (v128.load offset=16 (local.get $acc)) (local.get $init))
                (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d0))) (local.get $v0)))
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d1))) (local.get $v1)))
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d2))) (local.get $v2))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 32)))
        (local.set $d0 (i32.add (local.get $d0) (i32.const 16)))
        (local.set $d1 (i32.add (local.get $d1) (i32.const 16)))
        (local.set $d2 (i32.add (local.get $d2) (i32.const 16)))
        (br $next))))

  (func (export "acc4")
    (param $acc i32) (param $d0 i32) (param $d1 i32) (param $d2 i32) (param $d3 i32)
    (param $n0 f64) (param $n1 f64) (param $n2 f64) (param $n3 f64) (param $len i32) (param $init i32)
    (local $end i32) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $v0 (f64x2.splat (local.get $n0)))
    (local.set $v1 (f64x2.splat (local.get $n1)))
    (local.set $v2 (f64x2.splat (local.get $n2)))
    (local.set $v3 (f64x2.splat (local.get $n3)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $len) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (v128.store offset=0 (local.get $acc)
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (select (v128.const i64x2 0 0) (v128.load offset=0 (local.get $acc)) (local.get $init))
                  (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d0))) (local.get $v0)))
                (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d1))) (local.get $v1)))
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d2))) (local.get $v2)))
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $d3))) (local.get $v3))))
        (v128.store offset=16 (local.get $acc)
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (select (v128.const i64x2 0 0) (v128.load offset=16 (local.get $acc)) (local.get $init))
                  (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d0))) (local.get $v0)))
                (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d1))) (local.get $v1)))
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d2))) (local.get $v2)))
            (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $d3))) (local.get $v3))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 32)))
        (local.set $d0 (i32.add (local.get $d0) (i32.const 16)))
        (local.set $d1 (i32.add (local.get $d1) (i32.const 16)))
        (local.set $d2 (i32.add (local.get $d2) (i32.const 16)))
        (local.set $d3 (i32.add (local.get $d3) (i32.const 16)))
        (br $next))))

  ;; Also sums out - out over all lanes (0 for a finite value, NaN otherwise) to tell
  ;; whether any output lane is not finite.
  (func (export "finish")
    (param $out i32) (param $g i32) (param $acc i32) (param $total f64) (param $len i32) (result i32)
    (local $end i32) (local $totals v128) (local $result v128) (local $bad v128)
    (local.set $totals (f64x2.splat (local.get $total)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $len) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (local.set $result
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=0 (local.get $g)))
                (f64x2.div (v128.load offset=0 (local.get $acc)) (local.get $totals))))
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $g)))
                (f64x2.div (v128.load offset=16 (local.get $acc)) (local.get $totals))))))
        (v128.store (local.get $out) (local.get $result))
        (local.set $bad (f32x4.add (local.get $bad) (f32x4.sub (local.get $result) (local.get $result))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 32)))
        (br $next)))
    (v128.any_true (f32x4.ne (local.get $bad) (local.get $bad))))

  (func (export "network")
    (param $base i32) (param $pairs i32) (param $count i32) (param $bytes i32)
    (local $end i32) (local $a i32) (local $b i32) (local $rowEnd i32) (local $va v128) (local $vb v128)
    (local.set $end (i32.add (local.get $pairs) (i32.shl (local.get $count) (i32.const 3))))
    (block $pairsDone
      (loop $nextPair
        (br_if $pairsDone (i32.ge_u (local.get $pairs) (local.get $end)))
        (local.set $a (i32.add (local.get $base) (i32.load offset=0 (local.get $pairs))))
        (local.set $b (i32.add (local.get $base) (i32.load offset=4 (local.get $pairs))))
        (local.set $rowEnd (i32.add (local.get $a) (local.get $bytes)))
        (block $rowDone
          (loop $nextStep
            (br_if $rowDone (i32.ge_u (local.get $a) (local.get $rowEnd)))
            (local.set $va (v128.load offset=0 (local.get $a)))
            (local.set $vb (v128.load offset=0 (local.get $b)))
            (v128.store offset=0 (local.get $a) (f32x4.pmin (local.get $va) (local.get $vb)))
            (v128.store offset=0 (local.get $b) (f32x4.pmax (local.get $va) (local.get $vb)))
            (local.set $va (v128.load offset=16 (local.get $a)))
            (local.set $vb (v128.load offset=16 (local.get $b)))
            (v128.store offset=16 (local.get $a) (f32x4.pmin (local.get $va) (local.get $vb)))
            (v128.store offset=16 (local.get $b) (f32x4.pmax (local.get $va) (local.get $vb)))
            (local.set $a (i32.add (local.get $a) (i32.const 32)))
            (local.set $b (i32.add (local.get $b) (i32.const 32)))
            (br $nextStep)))
        (local.set $pairs (i32.add (local.get $pairs) (i32.const 8)))
        (br $nextPair))))

  (func (export "gram4x2")
    (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $b0 i32) (param $b1 i32)
    (param $acc i32) (param $accStride i32) (param $bytes i32)
    (local $end i32)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $s30 v128) (local $s31 v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $y v128)
    ;; accumulator (r, s) at acc + r·accStride + s·16
    (local.set $s00 (v128.load offset=0 (local.get $acc)))
    (local.set $s01 (v128.load offset=16 (local.get $acc)))
    (local.set $s10 (v128.load offset=0 (i32.add (local.get $acc) (local.get $accStride))))
    (local.set $s11 (v128.load offset=16 (i32.add (local.get $acc) (local.get $accStride))))
    (local.set $s20 (v128.load offset=0 (i32.add (local.get $acc) (i32.shl (local.get $accStride) (i32.const 1)))))
    (local.set $s21 (v128.load offset=16 (i32.add (local.get $acc) (i32.shl (local.get $accStride) (i32.const 1)))))
    (local.set $s30 (v128.load offset=0 (i32.add (local.get $acc) (i32.mul (local.get $accStride) (i32.const 3)))))
    (local.set $s31 (v128.load offset=16 (i32.add (local.get $acc) (i32.mul (local.get $accStride) (i32.const 3)))))
    (local.set $end (i32.add (local.get $a0) (local.get $bytes)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a0) (local.get $end)))
        (local.set $x0 (v128.load (local.get $a0)))
        (local.set $x1 (v128.load (local.get $a1)))
        (local.set $x2 (v128.load (local.get $a2)))
        (local.set $x3 (v128.load (local.get $a3)))
        (local.set $y (v128.load (local.get $b0)))
        (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $x0) (local.get $y))))
        (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $x1) (local.get $y))))
        (local.set $s20 (f64x2.add (local.get $s20) (f64x2.mul (local.get $x2) (local.get $y))))
        (local.set $s30 (f64x2.add (local.get $s30) (f64x2.mul (local.get $x3) (local.get $y))))
        (local.set $y (v128.load (local.get $b1)))
        (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $x0) (local.get $y))))
        (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $x1) (local.get $y))))
        (local.set $s21 (f64x2.add (local.get $s21) (f64x2.mul (local.get $x2) (local.get $y))))
        (local.set $s31 (f64x2.add (local.get $s31) (f64x2.mul (local.get $x3) (local.get $y))))
        (local.set $a0 (i32.add (local.get $a0) (i32.const 16)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 16)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 16)))
        (local.set $a3 (i32.add (local.get $a3) (i32.const 16)))
        (local.set $b0 (i32.add (local.get $b0) (i32.const 16)))
        (local.set $b1 (i32.add (local.get $b1) (i32.const 16)))
        (br $next)))
    (v128.store offset=0 (local.get $acc) (local.get $s00))
    (v128.store offset=16 (local.get $acc) (local.get $s01))
    (v128.store offset=0 (i32.add (local.get $acc) (local.get $accStride)) (local.get $s10))
    (v128.store offset=16 (i32.add (local.get $acc) (local.get $accStride)) (local.get $s11))
    (v128.store offset=0 (i32.add (local.get $acc) (i32.shl (local.get $accStride) (i32.const 1))) (local.get $s20))
    (v128.store offset=16 (i32.add (local.get $acc) (i32.shl (local.get $accStride) (i32.const 1))) (local.get $s21))
    (v128.store offset=0 (i32.add (local.get $acc) (i32.mul (local.get $accStride) (i32.const 3))) (local.get $s30))
    (v128.store offset=16 (i32.add (local.get $acc) (i32.mul (local.get $accStride) (i32.const 3))) (local.get $s31))))
