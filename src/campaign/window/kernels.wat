;; Copy and compare kernels of windowed runs (window-memory.ts), in WebAssembly text. Compiled by
;; `npm run gen:wasm` into kernels-wasm.ts, which the package ships; a test checks that the two agree.
;;
;; Why WebAssembly: a windowed copy builds crops row by row (a row of a crop is w x C contiguous
;; floats, channels-last) and compares each computed window with its golden values. In JavaScript
;; each row is a subarray() and a set(), about 80 ns whatever its length; here a row is one
;; memory.copy inside a loop, and the comparison runs four floats at a time (BENCHMARKS.md).
;;
;; Every address is a byte offset into the imported memory; tensors are float32, channels-last.
(module
  (import "env" "memory" (memory 1))

  ;; n floats at `at` set to v.
  (func $fill (param $at i32) (param $n i32) (param $v f32)
    (block $done
      (loop $next
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (f32.store (local.get $at) (local.get $v))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; h rows of `bytes` bytes from src to dst; rows start every sstride (source) and dstride
  ;; (destination) bytes.
  (func (export "rows") (param $dst i32) (param $dstride i32) (param $src i32) (param $sstride i32) (param $bytes i32) (param $h i32)
    (block $done
      (loop $next
        (br_if $done (i32.le_s (local.get $h) (i32.const 0)))
        (memory.copy (local.get $dst) (local.get $src) (local.get $bytes))
        (local.set $dst (i32.add (local.get $dst) (local.get $dstride)))
        (local.set $src (i32.add (local.get $src) (local.get $sstride)))
        (local.set $h (i32.sub (local.get $h) (i32.const 1)))
        (br $next))))

  ;; The crop rows r0..r0+h-1, columns c0..c0+w-1 of the [H, W, C] tensor at src, written to dst as
  ;; h x w x C; positions outside the tensor read as `fill` (executor.ts, fillCrop).
  (func (export "crop") (param $dst i32) (param $src i32) (param $C i32) (param $H i32) (param $W i32)
                        (param $r0 i32) (param $c0 i32) (param $h i32) (param $w i32) (param $fill f32)
    (local $i i32) (local $r i32) (local $rowBytes i32) (local $jLo i32) (local $jHi i32) (local $base i32) (local $t i32)
    (local.set $rowBytes (i32.shl (i32.mul (local.get $w) (local.get $C)) (i32.const 2)))
    ;; Whole rows inside the tensor are one block.
    (if (i32.and (i32.and (i32.eqz (local.get $c0)) (i32.eq (local.get $w) (local.get $W)))
                 (i32.and (i32.ge_s (local.get $r0) (i32.const 0))
                          (i32.le_s (i32.add (local.get $r0) (local.get $h)) (local.get $H))))
      (then
        (memory.copy (local.get $dst)
          (i32.add (local.get $src) (i32.shl (i32.mul (i32.mul (local.get $r0) (local.get $W)) (local.get $C)) (i32.const 2)))
          (i32.mul (local.get $h) (local.get $rowBytes)))
        (return)))
    ;; Columns of the crop inside the tensor: jLo = min(w, max(0, -c0)), jHi = max(jLo, min(w, W - c0)).
    (local.set $t (i32.sub (i32.const 0) (local.get $c0)))
    (if (i32.lt_s (local.get $t) (i32.const 0)) (then (local.set $t (i32.const 0))))
    (if (i32.gt_s (local.get $t) (local.get $w)) (then (local.set $t (local.get $w))))
    (local.set $jLo (local.get $t))
    (local.set $t (i32.sub (local.get $W) (local.get $c0)))
    (if (i32.gt_s (local.get $t) (local.get $w)) (then (local.set $t (local.get $w))))
    (if (i32.lt_s (local.get $t) (local.get $jLo)) (then (local.set $t (local.get $jLo))))
    (local.set $jHi (local.get $t))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $h)))
        (local.set $base (i32.add (local.get $dst) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $r (i32.add (local.get $r0) (local.get $i)))
        (if (i32.or (i32.lt_s (local.get $r) (i32.const 0)) (i32.ge_s (local.get $r) (local.get $H)))
          (then (call $fill (local.get $base) (i32.mul (local.get $w) (local.get $C)) (local.get $fill)))
          (else
            (call $fill (local.get $base) (i32.mul (local.get $jLo) (local.get $C)) (local.get $fill))
            ;; Not even an empty copy from outside the tensor: its address may lie outside memory.
            (if (i32.gt_s (local.get $jHi) (local.get $jLo))
              (then
                (memory.copy
                  (i32.add (local.get $base) (i32.shl (i32.mul (local.get $jLo) (local.get $C)) (i32.const 2)))
                  (i32.add (local.get $src)
                    (i32.shl (i32.mul (i32.add (i32.mul (local.get $r) (local.get $W)) (i32.add (local.get $c0) (local.get $jLo))) (local.get $C)) (i32.const 2)))
                  (i32.shl (i32.mul (i32.sub (local.get $jHi) (local.get $jLo)) (local.get $C)) (i32.const 2)))))
            (call $fill
              (i32.add (local.get $base) (i32.shl (i32.mul (local.get $jHi) (local.get $C)) (i32.const 2)))
              (i32.mul (i32.sub (local.get $w) (local.get $jHi)) (local.get $C)) (local.get $fill))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; 1 when the floats in [at, end) hold a NaN, else 0.
  (func $hasNaN (param $at i32) (param $end i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $at) (i32.const 16)) (local.get $end)))
        (if (v128.any_true (f32x4.ne (v128.load (local.get $at)) (v128.load (local.get $at))))
          (then (return (i32.const 1))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (if (f32.ne (f32.load (local.get $at)) (f32.load (local.get $at))) (then (return (i32.const 1))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $next)))
    (i32.const 0))

  ;; One computed value a against its golden value b, as bit patterns: 0 the same (+0 and -0 count
  ;; as the same), 1 changed, 2 NaN. Golden values hold no NaN.
  (func $element (param $a i32) (param $b i32) (result i32)
    (if (i32.eq (local.get $a) (local.get $b)) (then (return (i32.const 0))))
    (if (i32.gt_u (i32.and (local.get $a) (i32.const 0x7fffffff)) (i32.const 0x7f800000)) (then (return (i32.const 2))))
    (if (i32.eqz (i32.and (i32.or (local.get $a) (local.get $b)) (i32.const 0x7fffffff))) (then (return (i32.const 0))))
    (i32.const 1))

  ;; The h x w x C window at `out` against rows r0.., columns c0.. of the golden [H, W, C] tensor at
  ;; gold: 0 the same, 1 changed, 2 holds a NaN (executor.ts, compareWindow). Up to the first change
  ;; four floats are compared at a time; after it only the NaN test remains.
  (func (export "compare") (param $out i32) (param $gold i32) (param $C i32) (param $W i32)
                           (param $r0 i32) (param $c0 i32) (param $h i32) (param $w i32) (result i32)
    (local $rowBytes i32) (local $end i32) (local $i i32) (local $j i32) (local $row i32) (local $k i32) (local $v i32)
    (local.set $rowBytes (i32.shl (i32.mul (local.get $w) (local.get $C)) (i32.const 2)))
    (local.set $end (i32.add (local.get $out) (i32.mul (local.get $h) (local.get $rowBytes))))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $h)))
        (local.set $row (i32.add (local.get $gold)
          (i32.shl (i32.mul (i32.add (i32.mul (i32.add (local.get $r0) (local.get $i)) (local.get $W)) (local.get $c0)) (local.get $C)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $j) (local.get $rowBytes)))
            ;; Four floats at once while they are the same bits.
            (if (i32.le_s (i32.add (local.get $j) (i32.const 16)) (local.get $rowBytes))
              (then
                (if (i32x4.all_true (i32x4.eq (v128.load (i32.add (local.get $out) (local.get $j)))
                                              (v128.load (i32.add (local.get $row) (local.get $j)))))
                  (then (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $cols)))))
            ;; Else up to four one by one.
            (local.set $k (i32.const 0))
            (block $oneDone
              (loop $one
                (br_if $oneDone (i32.or (i32.ge_s (local.get $k) (i32.const 4)) (i32.ge_s (local.get $j) (local.get $rowBytes))))
                (local.set $v (call $element (i32.load (i32.add (local.get $out) (local.get $j)))
                                             (i32.load (i32.add (local.get $row) (local.get $j)))))
                (if (i32.eq (local.get $v) (i32.const 2)) (then (return (i32.const 2))))
                (if (i32.eq (local.get $v) (i32.const 1))
                  (then (return (select (i32.const 2) (i32.const 1)
                    (call $hasNaN (i32.add (i32.add (local.get $out) (local.get $j)) (i32.const 4)) (local.get $end))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $one)))
            (br $cols)))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (i32.const 0))
)
