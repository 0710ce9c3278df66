//! Local scopes of the checker: bindings with their declared and current (narrowed) types.
//!
//! A binding has a `declared` type (what assignments must match) and a current type `ty`
//! (narrower after a null check). Narrowing records the previous type in the innermost
//! scope, and leaving that scope restores it, so a narrowing never outlives the block that
//! established it.
//!
//! Lookups go through an index by name (the bindings of each name, innermost last), so a
//! cell with tens of thousands of locals is checked in linear time.

use super::types::Type;
use std::collections::HashMap;

/// One local binding.
#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    /// The current type, possibly narrowed.
    pub ty: Type,
    /// The type assignments must match.
    pub declared: Type,
    pub mutable: bool,
}

/// Where a binding lives: (scope index, index in the scope).
pub type VarId = (usize, usize);

#[derive(Debug, Default)]
struct Scope {
    vars: Vec<Var>,
    /// Narrowings made while this scope was innermost: (variable, type before), at most
    /// one per variable (the earliest, which is what closing the scope restores).
    restore: Vec<(VarId, Type)>,
    /// Index into `restore` of each variable's entry.
    restore_at: HashMap<VarId, usize>,
}

/// A stack of scopes.
#[derive(Debug, Default)]
pub struct Env {
    scopes: Vec<Scope>,
    /// Every open binding of each name, in binding order (so the innermost is last).
    by_name: HashMap<String, Vec<VarId>>,
}

impl Env {
    /// Opens a scope.
    pub fn push(&mut self) {
        self.scopes.push(Scope::default());
    }

    /// Closes the innermost scope, undoing the narrowings made in it.
    pub fn pop(&mut self) {
        if let Some(scope) = self.scopes.pop() {
            for v in &scope.vars {
                if let Some(ids) = self.by_name.get_mut(&v.name) {
                    ids.pop();
                    if ids.is_empty() {
                        self.by_name.remove(&v.name);
                    }
                }
            }
            for (id, ty) in scope.restore.into_iter().rev() {
                if let Some(v) = self.var_mut(id) {
                    v.ty = ty;
                }
            }
        }
    }

    /// Number of open scopes.
    pub fn depth(&self) -> usize {
        self.scopes.len()
    }

    /// Adds a binding to the innermost scope (shadowing any earlier one of the same name).
    pub fn bind(&mut self, name: &str, ty: Type, mutable: bool) {
        if self.scopes.is_empty() {
            self.push();
        }
        let si = self.scopes.len() - 1;
        if let Some(scope) = self.scopes.last_mut() {
            self.by_name
                .entry(name.to_string())
                .or_default()
                .push((si, scope.vars.len()));
            scope.vars.push(Var {
                name: name.to_string(),
                ty: ty.clone(),
                declared: ty,
                mutable,
            });
        }
    }

    /// The innermost binding named `name`.
    pub fn lookup(&self, name: &str) -> Option<VarId> {
        self.by_name.get(name)?.last().copied()
    }

    /// The binding `id`.
    pub fn var(&self, id: VarId) -> Option<&Var> {
        self.scopes.get(id.0)?.vars.get(id.1)
    }

    /// The binding `id`, mutably.
    pub fn var_mut(&mut self, id: VarId) -> Option<&mut Var> {
        self.scopes.get_mut(id.0)?.vars.get_mut(id.1)
    }

    /// Resets binding `id` to its declared type after an assignment (or at a loop head),
    /// so that no earlier narrowing, current or pending restoration, survives it.
    pub fn widen(&mut self, id: VarId) {
        let Some(declared) = self.var(id).map(|v| v.declared.clone()) else {
            return;
        };
        if let Some(v) = self.var_mut(id) {
            v.ty = declared.clone();
        }
        for scope in &mut self.scopes {
            if let Some(&i) = scope.restore_at.get(&id) {
                if let Some((_, old)) = scope.restore.get_mut(i) {
                    *old = declared.clone();
                }
            }
        }
    }

    /// Gives the binding `name` the narrower type `ty` until the innermost scope closes.
    pub fn narrow(&mut self, name: &str, ty: Type) {
        let Some(id) = self.lookup(name) else { return };
        let Some(v) = self.var_mut(id) else { return };
        let old = std::mem::replace(&mut v.ty, ty);
        if let Some(scope) = self.scopes.last_mut() {
            // A variable narrowed again in the same scope keeps its first entry: closing the
            // scope restores the type from before the first narrowing either way, and the
            // restore list stays as long as the scope has narrowed variables.
            if !scope.restore_at.contains_key(&id) {
                scope.restore_at.insert(id, scope.restore.len());
                scope.restore.push((id, old));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_is_undone_when_the_scope_closes() {
        let mut env = Env::default();
        env.push();
        env.bind("x", Type::optional(Type::Int), false);
        env.push();
        env.narrow("x", Type::Int);
        let id = env.lookup("x");
        assert_eq!(
            id.and_then(|i| env.var(i)).map(|v| v.ty.clone()),
            Some(Type::Int)
        );
        env.pop();
        assert_eq!(
            id.and_then(|i| env.var(i)).map(|v| v.ty.clone()),
            Some(Type::optional(Type::Int))
        );
    }

    #[test]
    fn narrowing_twice_in_one_scope_restores_the_first_type() {
        let mut env = Env::default();
        env.bind("x", Type::optional(Type::Int), false);
        env.push();
        env.narrow("x", Type::Int);
        env.narrow("x", Type::Never);
        let id = env.lookup("x");
        env.pop();
        assert_eq!(
            id.and_then(|i| env.var(i)).map(|v| v.ty.clone()),
            Some(Type::optional(Type::Int))
        );
    }

    #[test]
    fn shadowing_finds_the_latest_binding() {
        let mut env = Env::default();
        env.bind("x", Type::Int, false);
        env.bind("x", Type::Str, false);
        let id = env.lookup("x");
        assert_eq!(
            id.and_then(|i| env.var(i)).map(|v| v.ty.clone()),
            Some(Type::Str)
        );
        assert!(env.lookup("y").is_none());
    }
}
