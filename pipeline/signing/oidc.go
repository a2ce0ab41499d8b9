package signing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// sigstoreAudience is the audience Fulcio accepts OIDC tokens for.
const sigstoreAudience = "sigstore"

// TokenSource returns an OIDC identity token for Fulcio. It is called when
// a certificate is needed, not before: CI tokens live for minutes, and a
// build can take longer than that.
type TokenSource interface {
	// Token returns a token. Its value is a secret.
	Token(ctx context.Context) (string, error)
	// secrets lists what the source holds that must never be printed.
	secrets() []string
}

// StaticToken is a token obtained outside patchline, passed as a secret:
// GitLab's SIGSTORE_ID_TOKEN, or `gcloud auth print-identity-token
// --audiences sigstore`. Its audience must be sigstore.
func StaticToken(token string) TokenSource { return staticToken(strings.TrimSpace(token)) }

type staticToken string

func (t staticToken) Token(context.Context) (string, error) {
	if t == "" {
		return "", fmt.Errorf("%w: the OIDC token given is empty", ErrToken)
	}
	return string(t), nil
}

func (t staticToken) secrets() []string { return []string{string(t)} }

// GitHubActions asks GitHub Actions for a token, as cosign does on a runner:
// a GET of ACTIONS_ID_TOKEN_REQUEST_URL with audience=sigstore, bearing
// ACTIONS_ID_TOKEN_REQUEST_TOKEN. The workflow needs `permissions: id-token:
// write` for GitHub to set them. Both are secrets: the request token mints
// identity tokens for the job, and the URL identifies the run.
//
// A Dagger function cannot see the runner's environment, so both arrive as
// secret arguments (env:ACTIONS_ID_TOKEN_REQUEST_URL); client nil means
// http.DefaultClient with a 30-second timeout.
func GitHubActions(client *http.Client, requestURL, requestToken string) TokenSource {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &githubActions{client: client, url: strings.TrimSpace(requestURL), token: strings.TrimSpace(requestToken)}
}

type githubActions struct {
	client     *http.Client
	url, token string
}

func (g *githubActions) secrets() []string { return []string{g.url, g.token} }

func (g *githubActions) Token(ctx context.Context) (string, error) {
	if g.url == "" || g.token == "" {
		return "", fmt.Errorf("%w: the GitHub Actions token request URL or token is empty; the workflow needs `permissions: id-token: write`, and both env:ACTIONS_ID_TOKEN_REQUEST_URL and env:ACTIONS_ID_TOKEN_REQUEST_TOKEN passed on", ErrToken)
	}
	u, err := url.Parse(g.url)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: the GitHub Actions token request URL is not a URL; pass env:ACTIONS_ID_TOKEN_REQUEST_URL as it is", ErrToken)
	}
	q := u.Query()
	q.Set("audience", sigstoreAudience)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrToken, err)
	}
	req.Header.Set("Authorization", "bearer "+g.token)
	req.Header.Set("Accept", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		// A *url.Error quotes the URL, which is a secret: keep only why.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("%w: asking GitHub Actions for a token: %v", ErrToken, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("%w: reading GitHub Actions' answer: %v", ErrToken, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: GitHub Actions answered HTTP %d to the token request; check that the workflow has `permissions: id-token: write`", ErrToken, resp.StatusCode)
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
		return "", fmt.Errorf("%w: GitHub Actions answered the token request without a token", ErrToken)
	}
	return out.Value, nil
}
