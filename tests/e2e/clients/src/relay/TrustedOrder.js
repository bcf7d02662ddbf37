// The order a Relay app reads; relay-compiler persists it (relay.config.json).
import { graphql } from "relay-runtime";

export default graphql`
  query TrustedOrderQuery($id: ID!) {
    order(id: $id) { id status deliverBy }
  }
`;
