//! Learning-rate schedules, per epoch, with PyTorch's closed forms.

use std::f64::consts::PI;

/// A learning rate per epoch, from the initial one: set it on the optimizer at the start
/// of each epoch with `opt.set_lr(schedule.lr_at(base_lr, epoch))`.
///
/// Epochs count from 0, as PyTorch's `last_epoch` does after construction: epoch 0 uses
/// `base_lr`, and `lr_at(base_lr, e)` is the rate PyTorch's scheduler holds after `e`
/// calls of `scheduler.step()`.
///
/// ```
/// use autodiff::optim::{CosineAnnealingLr, LrSchedule, StepLr};
/// let schedules: [&dyn LrSchedule; 2] = [
///     &StepLr { step_size: 5, gamma: 0.1 },
///     &CosineAnnealingLr { t_max: 10, eta_min: 0.0 },
/// ];
/// for s in schedules {
///     assert_eq!(s.lr_at(0.5, 0), 0.5);
/// }
/// ```
pub trait LrSchedule {
    /// The learning rate of epoch `epoch` for an initial rate `base_lr`.
    ///
    /// ```
    /// use autodiff::optim::{LrSchedule, StepLr};
    /// assert_eq!(StepLr { step_size: 1, gamma: 0.5 }.lr_at(1.0, 3), 0.125);
    /// ```
    fn lr_at(&self, base_lr: f64, epoch: usize) -> f64;
}

/// Decays the learning rate by `gamma` every `step_size` epochs (PyTorch's `StepLR`):
/// `base_lr · gamma^⌊epoch / step_size⌋`.
///
/// ```
/// use autodiff::optim::{LrSchedule, StepLr};
/// let s = StepLr { step_size: 2, gamma: 0.5 };
/// let lrs: Vec<f64> = (0..6).map(|e| s.lr_at(1.0, e)).collect();
/// assert_eq!(lrs, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLr {
    /// The number of epochs between decays.
    pub step_size: usize,
    /// The factor of each decay.
    pub gamma: f64,
}

impl LrSchedule for StepLr {
    /// # Panics
    /// When `step_size` is 0.
    fn lr_at(&self, base_lr: f64, epoch: usize) -> f64 {
        assert!(self.step_size > 0, "StepLr: step_size must be at least 1");
        let decays = i32::try_from(epoch / self.step_size).unwrap_or(i32::MAX);
        base_lr * self.gamma.powi(decays)
    }
}

/// Cosine annealing from the initial learning rate down to `eta_min` over `t_max` epochs
/// (PyTorch's `CosineAnnealingLR`, without restarts):
/// `eta_min + (base_lr - eta_min) (1 + cos(π epoch / t_max)) / 2`.
///
/// Past `t_max` the cosine goes on, back up to `base_lr` at `2 t_max`, as PyTorch's
/// closed form does.
///
/// ```
/// use autodiff::optim::{CosineAnnealingLr, LrSchedule};
/// let s = CosineAnnealingLr { t_max: 4, eta_min: 0.1 };
/// assert_eq!(s.lr_at(1.0, 0), 1.0);
/// assert!((s.lr_at(1.0, 2) - 0.55).abs() < 1e-12); // halfway
/// assert!((s.lr_at(1.0, 4) - 0.1).abs() < 1e-12);  // eta_min at t_max
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineAnnealingLr {
    /// The number of epochs from `base_lr` down to `eta_min`.
    pub t_max: usize,
    /// The lowest learning rate.
    pub eta_min: f64,
}

impl LrSchedule for CosineAnnealingLr {
    /// # Panics
    /// When `t_max` is 0.
    fn lr_at(&self, base_lr: f64, epoch: usize) -> f64 {
        assert!(
            self.t_max > 0,
            "CosineAnnealingLr: t_max must be at least 1"
        );
        let phase = PI * epoch as f64 / self.t_max as f64;
        self.eta_min + (base_lr - self.eta_min) * (1.0 + phase.cos()) / 2.0
    }
}
