package verification

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/registry"
)

// Request is one image to verify.
type Request struct {
	// Image is a reference by tag or digest, e.g. ghcr.io/acme/app:1.6. An
	// index is verified platform by platform; a single image as itself.
	Image string
	// Trust is who must have signed.
	Trust Trust
	// SourceURI, when set, is the repository every provenance must name,
	// e.g. https://github.com/acme/app.
	SourceURI string
	// SourceRef, when set, is the git ref every provenance must name, e.g.
	// refs/tags/v1.6.0.
	SourceRef string
}

// Report is what verification found, platform by platform.
type Report struct {
	Image     string          `json:"image"`
	Digest    string          `json:"digest"`
	Trust     string          `json:"trust"`
	OK        bool            `json:"ok"`
	Platforms []Platform      `json:"platforms"`
	Requests  registry.Counts `json:"registry_requests"`
}

// Platform is the verdict on one platform image.
type Platform struct {
	Platform   string     `json:"platform"`
	Digest     string     `json:"digest"`
	SBOM       *Verified  `json:"sbom,omitempty"`
	Provenance *Verified  `json:"provenance,omitempty"`
	Source     *SourceRef `json:"source,omitempty"`
	Problems   []string   `json:"problems,omitempty"`
}

// Image verifies every platform image of req.Image: each must carry an SBOM
// statement and a SLSA provenance statement, each in a Sigstore bundle
// attached as a referrer, signed as req.Trust says, about that platform
// image's own digest; the provenance must name req.SourceURI and
// req.SourceRef when they are set.
//
// The report is returned in every case; the error wraps ErrNotVerified and
// lists every problem when the image fails, or is a registry error when
// the image could not be read.
func Image(ctx context.Context, reg *registry.Client, req Request) (*Report, error) {
	if req.Trust.IsZero() {
		return nil, fmt.Errorf("%w: nothing to trust: give the public key (--key cosign.pub) or the certificate identity and issuer of a keyless signer", ErrUsage)
	}
	start := reg.Counter().Counts()
	m, err := reg.Inspect(ctx, req.Image)
	if err != nil {
		return nil, err
	}
	rep := &Report{Image: req.Image, Digest: m.Digest.String(), Trust: req.Trust.String(), OK: true}
	r, err := reg.ParseReference(req.Image)
	if err != nil {
		return nil, err
	}
	repo := r.Context()
	refs, err := attest.NewReferrers(reg)
	if err != nil {
		return nil, err
	}
	targets := platformsOf(m)
	if len(targets) == 0 {
		rep.OK = false
		return rep, fmt.Errorf("%w: %s (%s) is an index without platform images: there is nothing to verify", ErrNotVerified, req.Image, m.Digest)
	}
	for _, target := range targets {
		p := Platform{Platform: target.platform, Digest: target.digest.String()}
		if err := checkPlatform(ctx, refs, repo, target.digest, req, &p); err != nil {
			return nil, err
		}
		nameSiblings(targets, target, &p)
		if len(p.Problems) > 0 {
			rep.OK = false
		}
		rep.Platforms = append(rep.Platforms, p)
	}
	rep.Requests = reg.Counter().Counts().Sub(start)
	if !rep.OK {
		return rep, notVerified(rep)
	}
	return rep, nil
}

// nameSiblings points out, in p's problems, a statement that is about
// another platform of the same index: the mark of an attestation moved
// from one platform image to another.
func nameSiblings(targets []target, self target, p *Platform) {
	for i, prob := range p.Problems {
		for _, o := range targets {
			if o.digest != self.digest && strings.Contains(prob, "subject is "+o.digest.String()) {
				p.Problems[i] = strings.Replace(prob, "subject is "+o.digest.String(),
					"subject is "+o.digest.String()+" (the "+o.platform+" image of this index)", 1)
			}
		}
	}
}

// target is one image to check.
type target struct {
	platform string
	digest   v1.Hash
}

// platformsOf lists the platform images of an index, or the image itself.
// It leaves out BuildKit's attestation manifests, which have both the
// annotation and the unknown/unknown platform that no runtime pulls. An
// entry with the annotation and a real platform is checked: a runtime
// picks entries by platform and ignores the annotation, so that is how an
// unsigned image would hide from the gate.
func platformsOf(m *registry.Manifest) []target {
	if !m.IsIndex() {
		return []target{{platform: "image", digest: m.Digest}}
	}
	var out []target
	for _, d := range m.Manifests {
		if d.Annotations[attest.AnnotationReferenceType] == attest.ReferenceTypeAttestation &&
			d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown" {
			continue
		}
		name := "no platform"
		if d.Platform != nil {
			name = d.Platform.String()
		}
		out = append(out, target{platform: name, digest: d.Digest})
	}
	return out
}

// checkPlatform fills p with what one platform image carries. Problems go
// into p; the error is for a registry that could not be read.
func checkPlatform(ctx context.Context, refs *attest.Referrers, repo name.Repository, digest v1.Hash, req Request, p *Platform) error {
	bundles, err := refs.Bundles(ctx, repo, digest, "")
	if err != nil {
		return err
	}
	var sbomWhy, provWhy []string
	for _, b := range bundles {
		v, err := VerifyBundle(req.Trust, b.Content, digest)
		kind := kindOf(b.PredicateType)
		if err == nil {
			kind = kindOf(v.PredicateType)
		}
		switch {
		case err != nil && kind == kindProvenance:
			provWhy = append(provWhy, fmt.Sprintf("bundle %s: %v", short(b.Referrer), err))
		case err != nil && kind == kindSBOM:
			sbomWhy = append(sbomWhy, fmt.Sprintf("bundle %s: %v", short(b.Referrer), err))
		case err != nil:
			// A bundle whose annotation names no known kind and that does
			// not verify may be either; say so under both.
			why := fmt.Sprintf("bundle %s (%s): %v", short(b.Referrer), safetext.Clip(cmpOr(b.PredicateType, "no predicate type")), err)
			sbomWhy, provWhy = append(sbomWhy, why), append(provWhy, why)
		case kind == kindSBOM && p.SBOM == nil:
			p.SBOM = v
		case kind == kindProvenance && p.Provenance == nil:
			src, err := ProvenanceSource(v.Predicate)
			if err != nil {
				provWhy = append(provWhy, fmt.Sprintf("bundle %s: %v", short(b.Referrer), err))
				continue
			}
			if err := src.Match(req.SourceURI, req.SourceRef); err != nil {
				provWhy = append(provWhy, fmt.Sprintf("bundle %s: %v", short(b.Referrer), err))
				continue
			}
			p.Provenance, p.Source = v, &src
		}
	}
	if p.SBOM == nil {
		p.Problems = append(p.Problems, missing("SBOM", len(bundles), sbomWhy, req.Trust))
	}
	if p.Provenance == nil {
		p.Problems = append(p.Problems, missing("SLSA provenance", len(bundles), provWhy, req.Trust))
	}
	return nil
}

// missing says why no trusted statement of a kind was found.
func missing(kind string, bundles int, why []string, t Trust) string {
	switch {
	case bundles == 0:
		return fmt.Sprintf("no signed %s: no Sigstore bundle is attached to this image (is the policy's attestations.sign none, or were the attestations attached by another tool?)", kind)
	case len(why) == 0:
		return fmt.Sprintf("no signed %s: none of the %d Sigstore bundles attached signs one", kind, bundles)
	}
	return fmt.Sprintf("no %s signed by %s: %s", kind, t, strings.Join(why, "; "))
}

// statementKind groups predicate types into what verify requires.
type statementKind int

const (
	kindOther statementKind = iota
	kindSBOM
	kindProvenance
)

// kindOf classifies a predicate type: SPDX and CycloneDX documents (of any
// version suffix) are SBOMs; SLSA provenance v1 is provenance. Older SLSA
// provenance (v0.2) names no source the way v1 does and is not accepted.
func kindOf(predicateType string) statementKind {
	switch {
	case strings.HasPrefix(predicateType, attest.PredicateSPDX), strings.HasPrefix(predicateType, attest.PredicateCycloneDX):
		return kindSBOM
	case predicateType == attest.PredicateSLSAProvenanceV1:
		return kindProvenance
	}
	return kindOther
}

// notVerified renders every problem of a failed report into one error.
func notVerified(rep *Report) error {
	var lines []string
	for _, p := range rep.Platforms {
		for _, prob := range p.Problems {
			lines = append(lines, fmt.Sprintf("%s (%s): %s", p.Platform, p.Digest, prob))
		}
	}
	return fmt.Errorf("%w: %s (%s):\n  %s", ErrNotVerified, rep.Image, rep.Digest, strings.Join(lines, "\n  "))
}

func short(h v1.Hash) string {
	if len(h.Hex) < 12 {
		return h.String()
	}
	return h.Algorithm + ":" + h.Hex[:12]
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
