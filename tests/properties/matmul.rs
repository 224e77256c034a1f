//! Matrix products.

use super::*;

/// The six forms of `matmul`.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// `(M, K) x (K, N)`
    Matrix,
    /// `(B, M, K) x (B, K, N)`
    Batched,
    /// `(B, M, K) x (K, N)`: one right operand for the whole batch.
    BatchedShared,
    /// `(M, K) x (K,)`
    MatrixVector,
    /// `(K,) x (K, N)`
    VectorMatrix,
    /// `(K,) x (K,)`
    Dot,
}

const FORMS: [Form; 6] = [
    Form::Matrix,
    Form::Batched,
    Form::BatchedShared,
    Form::MatrixVector,
    Form::VectorMatrix,
    Form::Dot,
];

/// A product of a form; every form is read as `batch` products of `m x k` by `k x n`
/// (a vector is a 1-row or 1-column matrix, so the forms without a batch have `batch` 1).
#[derive(Clone, Debug)]
struct Product {
    form: Form,
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    /// The output gradient (the seed of the vjp).
    g: Vec<f64>,
}

impl Product {
    /// A product without data; the forms without a batch, a row or a column set it to 1.
    fn new(form: Form, batch: usize, m: usize, k: usize, n: usize) -> Self {
        use Form::*;
        let or_one = |has: bool, size: usize| if has { size } else { 1 };
        Product {
            form,
            batch: or_one(matches!(form, Batched | BatchedShared), batch),
            m: or_one(!matches!(form, VectorMatrix | Dot), m),
            k,
            n: or_one(!matches!(form, MatrixVector | Dot), n),
            a: Vec::new(),
            b: Vec::new(),
            g: Vec::new(),
        }
    }

    fn a_dims(&self) -> Vec<usize> {
        match self.form {
            Form::Matrix | Form::MatrixVector => vec![self.m, self.k],
            Form::Batched | Form::BatchedShared => vec![self.batch, self.m, self.k],
            Form::VectorMatrix | Form::Dot => vec![self.k],
        }
    }

    fn b_dims(&self) -> Vec<usize> {
        match self.form {
            Form::Matrix | Form::BatchedShared | Form::VectorMatrix => vec![self.k, self.n],
            Form::Batched => vec![self.batch, self.k, self.n],
            Form::MatrixVector | Form::Dot => vec![self.k],
        }
    }

    fn out_dims(&self) -> Vec<usize> {
        match self.form {
            Form::Matrix => vec![self.m, self.n],
            Form::Batched | Form::BatchedShared => vec![self.batch, self.m, self.n],
            Form::MatrixVector => vec![self.m],
            Form::VectorMatrix => vec![self.n],
            Form::Dot => vec![],
        }
    }

    /// The offset of `B[t][p][j]`: the shared and unbatched forms have one `B`.
    fn b_at(&self, t: usize, p: usize, j: usize) -> usize {
        let shared = !matches!(self.form, Form::Batched);
        let t = if shared { 0 } else { t };
        (t * self.k + p) * self.n + j
    }

    /// `C = A @ B` and its magnitudes `|A| @ |B|`, by the triple loop.
    fn reference(&self) -> (Vec<f64>, Vec<f64>) {
        let (mut c, mut scale) = (Vec::new(), Vec::new());
        for t in 0..self.batch {
            for i in 0..self.m {
                for j in 0..self.n {
                    let (mut sum, mut abs) = (0.0, 0.0);
                    for p in 0..self.k {
                        let term =
                            self.a[(t * self.m + i) * self.k + p] * self.b[self.b_at(t, p, j)];
                        sum += term;
                        abs += term.abs();
                    }
                    c.push(sum);
                    scale.push(abs);
                }
            }
        }
        (c, scale)
    }

    /// `dA = G @ Bᵀ` and `dB = Aᵀ @ G` (summed over the batch when `B` is shared), with
    /// their magnitudes.
    fn reference_vjp(&self) -> [(Vec<f64>, Vec<f64>); 2] {
        let (mut da, mut sa) = (vec![0.0; self.a.len()], vec![0.0; self.a.len()]);
        let (mut db, mut sb) = (vec![0.0; self.b.len()], vec![0.0; self.b.len()]);
        for t in 0..self.batch {
            for i in 0..self.m {
                for j in 0..self.n {
                    let g = self.g[(t * self.m + i) * self.n + j];
                    for p in 0..self.k {
                        let (ia, ib) = ((t * self.m + i) * self.k + p, self.b_at(t, p, j));
                        da[ia] += g * self.b[ib];
                        sa[ia] += (g * self.b[ib]).abs();
                        db[ib] += self.a[ia] * g;
                        sb[ib] += (self.a[ia] * g).abs();
                    }
                }
            }
        }
        [(da, sa), (db, sb)]
    }
}

/// A size: mostly 0..=5, sometimes up to 70 (past the gemm kernel's register and cache
/// blocks).
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0..=5usize, 1 => 6..=70usize]
}

fn product() -> impl Strategy<Value = Product> {
    let forms = select(FORMS.to_vec());
    (forms, 0..=4usize, size(), size(), size()).prop_flat_map(|(form, batch, m, k, n)| {
        let p = Product::new(form, batch, m, k, n);
        let (la, lb, lg) = (numel(&p.a_dims()), numel(&p.b_dims()), numel(&p.out_dims()));
        (Just(p), data(la), data(lb), data(lg)).prop_map(|(p, a, b, g)| Product { a, b, g, ..p })
    })
}

/// The product's value (and, when `grads`, its vjp with seed `g`) against the references.
fn check_product<SA: MatMul<SB>, SB: Shape, E: Real>(p: &Product, grads: bool) -> Outcome {
    let a = tensor::<SA, E>(&p.a_dims(), &p.a);
    let b = tensor::<SB, E>(&p.b_dims(), &p.b);
    let c = a.matmul(&b);
    let (want, scale) = p.reference();
    check_tensor("matmul", &c, &p.out_dims(), &want, &scale)?;
    if grads {
        let g = tensor::<SA::Out, E>(&p.out_dims(), &p.g);
        let (ga, gb) = vjp(&(a, b), |(a, b)| a.matmul(&b)).1.backward_with(g);
        let [(da, sa), (db, sb)] = p.reference_vjp();
        check_tensor("dA = G @ Bᵀ", &ga, &p.a_dims(), &da, &sa)?;
        check_tensor("dB = Aᵀ @ G", &gb, &p.b_dims(), &db, &sb)?;
    }
    Ok(())
}

fn check_form<E: Real>(p: &Product, grads: bool) -> Outcome {
    match p.form {
        Form::Matrix => check_product::<R2, R2, E>(p, grads),
        Form::Batched => check_product::<R3, R3, E>(p, grads),
        Form::BatchedShared => check_product::<R3, R2, E>(p, grads),
        Form::MatrixVector => check_product::<R2, R1, E>(p, grads),
        Form::VectorMatrix => check_product::<R1, R2, E>(p, grads),
        Form::Dot => check_product::<R1, R1, E>(p, grads),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn matmul_forms_match_the_triple_loop_f32(p in product()) {
        check_form::<f32>(&p, false)?;
    }

    #[test]
    fn matmul_forms_match_the_triple_loop_f64(p in product()) {
        check_form::<f64>(&p, false)?;
    }

    #[test]
    fn matmul_vjp_is_g_times_b_transposed_and_a_transposed_times_g(p in product()) {
        check_form::<f64>(&p, true)?;
    }
}
