//! `#[derive(Differentiable)]`: parse the struct, check it, hand it to the generator.

use crate::attr::no_grad;
use crate::model::{self, Field, Model};
use proc_macro2::TokenStream;
use syn::{Data, DeriveInput, Fields};

/// The expansion, or every error found (the struct itself stays as written either way:
/// a derive only adds items).
pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let model = parse(&input)?;
    Ok(model::expand(&model))
}

fn parse(input: &DeriveInput) -> syn::Result<Model> {
    let data = match &input.data {
        Data::Struct(data) => data,
        Data::Enum(e) => {
            return Err(syn::Error::new_spanned(
                e.enum_token,
                "#[derive(Differentiable)] does not support enums; use a struct whose fields are tensors or differentiable structs",
            ))
        }
        Data::Union(u) => {
            return Err(syn::Error::new_spanned(
                u.union_token,
                "#[derive(Differentiable)] does not support unions; use a struct whose fields are tensors or differentiable structs",
            ))
        }
    };
    let named = match &data.fields {
        Fields::Named(named) => named,
        Fields::Unnamed(fields) => {
            return Err(syn::Error::new_spanned(
                fields,
                "#[derive(Differentiable)] needs named fields: they name the gradients (`grads.weight`); give each field a name",
            ))
        }
        Fields::Unit => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "#[derive(Differentiable)] needs a struct with fields; add the tensors to differentiate as named fields",
            ))
        }
    };
    let mut errors = Vec::new();
    let mut fields = Vec::new();
    for f in &named.named {
        let no_grad = match no_grad(&f.attrs) {
            Ok(found) => found,
            Err(e) => {
                errors.push(e);
                false
            }
        };
        fields.push(Field {
            ident: f.ident.clone().expect("named fields have names"),
            vis: f.vis.clone(),
            ty: f.ty.clone(),
            no_grad,
        });
    }
    if errors.is_empty() && fields.iter().all(|f| f.no_grad) {
        errors.push(syn::Error::new_spanned(
            &input.ident,
            format!(
                "#[derive(Differentiable)] found no field to differentiate in `{}`; add a tensor field, or remove `#[no_grad]` from one",
                input.ident
            ),
        ));
    }
    let parts: Vec<(&syn::Ident, &syn::Type)> = fields
        .iter()
        .filter(|f| !f.no_grad)
        .map(|f| (&f.ident, &f.ty))
        .collect();
    errors.extend(model::check_parts(
        "#[derive(Differentiable)]",
        "field",
        &parts,
    ));
    if let Some(e) = crate::attr::combine(errors) {
        return Err(e);
    }
    let [grads, partial, select] = Model::suffixed_names(&input.ident);
    Ok(Model {
        ident: input.ident.clone(),
        generics: input.generics.clone(),
        vis: input.vis.clone(),
        fields,
        grads,
        partial,
        select,
        what: format!("[`{}`]", input.ident),
    })
}
